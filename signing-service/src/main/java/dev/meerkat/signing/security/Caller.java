package dev.meerkat.signing.security;

import io.quarkus.security.identity.SecurityIdentity;
import java.security.Principal;
import java.util.TreeSet;
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
        if (p instanceof X500Principal x) {
            for (String rdn : x.getName(X500Principal.RFC2253).split(",")) {
                if (rdn.startsWith("CN=")) return "cert:" + rdn.substring(3);
            }
            return "cert:" + x.getName();
        }
        return p.getName();
    }
}
