package dev.meerkat.fleet.security;

import io.quarkus.security.identity.SecurityIdentity;
import java.security.Principal;
import java.util.TreeSet;
import javax.security.auth.x500.X500Principal;

/** Who made a request, as the audit trail records it: a name and the roles in effect. */
public record Caller(String name, String roles) {

    public static final Caller ANONYMOUS = new Caller("anonymous", "");
    public static final Caller SYSTEM = new Caller("fleet-service", "");

    public static Caller of(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) return ANONYMOUS;
        return new Caller(
                nameOf(identity.getPrincipal()),
                String.join(",", new TreeSet<>(identity.getRoles())));
    }

    public static Caller device(String deviceId) {
        return new Caller("device:" + deviceId, Roles.DEVICE);
    }

    /** The CN of a client certificate, or the JWT's {@code upn}/{@code sub}. */
    public static String nameOf(Principal p) {
        if (p == null) return "anonymous";
        if (p instanceof X500Principal x) return "cert:" + commonName(x);
        return p.getName();
    }

    static String commonName(X500Principal x) {
        for (String rdn : x.getName(X500Principal.RFC2253).split(",")) {
            if (rdn.startsWith("CN=")) return rdn.substring(3);
        }
        return x.getName();
    }
}
