package dev.meerkat.signing.tokens;

import io.smallrye.jwt.auth.principal.DefaultJWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Bearer-token parser that remembers tokens it has verified. CI pipelines and factory stations send
 * the same token with every request; checking its RS256 signature and parsing its claims each time
 * cost more CPU than the ECDSA signature the request asks for. A token is looked up by its exact
 * text, so only a byte-identical copy of an already verified token is a hit, and an entry is used
 * only until the token's {@code exp} (the full verification allows clock skew on top; the cache
 * never does). Tokens without an expiry are never cached. The cache holds at most {@value
 * #MAX_ENTRIES} tokens and is emptied when full.
 */
@Alternative
@Priority(1)
@ApplicationScoped
public class VerifiedTokenCache extends DefaultJWTParser {
    static final int MAX_ENTRIES = 10_000;

    private record Verified(JsonWebToken token, long expiresAt) {}

    private final Map<String, Verified> verified = new ConcurrentHashMap<>();

    @Inject TokenPolicy policy;

    @Override
    public JsonWebToken parse(String bearerToken) throws ParseException {
        return checked(parseCached(bearerToken));
    }

    /**
     * The service's own rules, applied to cached tokens too (a revocation takes effect at once).
     */
    private JsonWebToken checked(JsonWebToken jwt) throws ParseException {
        String why = policy.refusal(jwt);
        if (why != null) throw new ParseException(why);
        return jwt;
    }

    private JsonWebToken parseCached(String bearerToken) throws ParseException {
        long now = System.currentTimeMillis() / 1000;
        Verified v = verified.get(bearerToken);
        if (v != null) {
            if (now < v.expiresAt()) return v.token();
            verified.remove(bearerToken, v);
        }
        JsonWebToken jwt = super.parse(bearerToken);
        long exp = jwt.getExpirationTime();
        if (exp > now) {
            if (verified.size() >= MAX_ENTRIES) verified.clear();
            verified.put(bearerToken, new Verified(jwt, exp));
        }
        return jwt;
    }
}
