package dev.meerkat.signing.security;

import io.quarkus.security.identity.SecurityIdentity;
import java.security.Principal;
import java.util.List;
import java.util.TreeSet;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/** Who made a request, as the audit log records it: a name and the roles that were in effect. */
public record Caller(String name, String roles) {

    public static final Caller ANONYMOUS = new Caller("anonymous", "");
    public static final Caller SYSTEM = new Caller("system", "");

    public static Caller of(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) return ANONYMOUS;
        return new Caller(
                nameOf(identity.getPrincipal()),
                String.join(",", new TreeSet<>(identity.getRoles())));
    }

    /** True if the caller held {@code role} when the request was made. */
    public boolean hasRole(String role) {
        for (String r : roles.split(",")) {
            if (r.equals(role)) return true;
        }
        return false;
    }

    /** The CN of a client certificate, or the JWT's {@code upn}/{@code sub}. */
    static String nameOf(Principal p) {
        if (p == null) return "anonymous";
        if (p instanceof X500Principal x) return "cert:" + commonName(x);
        return p.getName();
    }

    /**
     * The most specific CN of the subject, unescaped ({@code CN=Ops\, Night} is {@code Ops,
     * Night}); the whole name when it has none. Parsed as a distinguished name, never split on
     * commas: an escaped comma inside another attribute ({@code O=x\,CN=ci-bot}) is not a CN.
     */
    static String commonName(X500Principal x) {
        String name = x.getName(X500Principal.RFC2253);
        try {
            List<Rdn> rdns = new LdapName(name).getRdns();
            // LdapName lists the RDNs from the right; RFC 2253 prints the most specific first.
            for (int i = rdns.size() - 1; i >= 0; i--) {
                Attribute cn = rdns.get(i).toAttributes().get("CN");
                if (cn != null && cn.get() instanceof String s) return s;
            }
        } catch (NamingException e) {
            // not an RFC 2253 name after all: fall back to the whole name
        }
        return name;
    }
}
