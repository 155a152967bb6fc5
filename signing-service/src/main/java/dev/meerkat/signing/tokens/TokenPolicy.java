package dev.meerkat.signing.tokens;

import dev.meerkat.signing.security.PersonId;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * What a verified bearer token must also satisfy, on every use: it is meant for this service
 * ({@code aud}, also enforced by the JWT verifier), it was not issued for longer than the
 * configured maximum lifetime, it is not revoked, and its subject has no whitespace.
 */
@ApplicationScoped
public class TokenPolicy {

    @ConfigProperty(name = "meerkat.tokens.audience", defaultValue = "meerkat-signing-service")
    String audience;

    @ConfigProperty(name = "meerkat.tokens.max-lifetime-days", defaultValue = "90")
    long maxLifetimeDays;

    @Inject TokenRevocations revocations;

    /** Null when the token is acceptable, else why not (one line). */
    public String refusal(JsonWebToken jwt) {
        Set<String> aud = jwt.getAudience();
        if (aud == null || !aud.contains(audience)) return "token audience is not " + audience;
        long iat = jwt.getIssuedAtTime();
        long exp = jwt.getExpirationTime();
        if (exp <= 0 || iat <= 0) return "token without iat/exp";
        if (exp - iat > maxLifetimeDays * 86_400L) {
            return "token lifetime exceeds " + maxLifetimeDays + " days";
        }
        if (revocations.isRevoked(jwt.getTokenID()))
            return "token " + jwt.getTokenID() + " is revoked";
        String sub = jwt.getName();
        if (sub == null
                || sub.isEmpty()
                || PersonId.hasWhitespace(sub)
                || PersonId.hasWhitespace(jwt.getSubject())) {
            return "token subject is empty or contains whitespace";
        }
        return null;
    }
}
