package dev.meerkat.signing.tokens;

import dev.meerkat.signing.audit.AuditLog;
import dev.meerkat.signing.refusal.Refusal;
import dev.meerkat.signing.security.Caller;
import dev.meerkat.signing.store.Database;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bearer tokens revoked before they expire, by their {@code jti}. The set is held in memory
 * (checked on every request, cached tokens included) and stored in {@code revoked_token}; a
 * revocation and its audit entry commit together.
 */
@ApplicationScoped
public class TokenRevocations {
    public static final int MAX_JTI = 64;
    public static final int MAX_REASON = 500;

    @Inject Database db;

    @Inject AuditLog audit;

    private final Set<String> revoked = ConcurrentHashMap.newKeySet();

    void load(@Observes StartupEvent ev) {
        db.tx(
                c -> {
                    try (PreparedStatement ps =
                                    c.prepareStatement("SELECT jti FROM revoked_token");
                            ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) revoked.add(rs.getString(1));
                    }
                    return null;
                });
    }

    public boolean isRevoked(String jti) {
        return jti != null && revoked.contains(jti);
    }

    /** Revokes the token with this {@code jti}; 409 if it is revoked already. */
    public void revoke(Caller caller, String jti, String subject, String reason) {
        if (jti == null || jti.isBlank() || jti.length() > MAX_JTI) {
            throw Refusal.invalid("jti: 1-" + MAX_JTI + " characters required");
        }
        if (reason != null && reason.length() > MAX_REASON) {
            throw Refusal.invalid("reason is limited to " + MAX_REASON + " characters");
        }
        if (subject != null && subject.length() > 200)
            throw Refusal.invalid("subject is limited to 200 characters");
        if (isRevoked(jti))
            throw Refusal.conflict("Already revoked", "token " + jti + " is revoked already");
        audit.commit(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement(
                                    "INSERT INTO revoked_token (jti, subject, reason, revoked_by, revoked_at) VALUES (?,?,?,?,?)")) {
                        ps.setString(1, jti);
                        ps.setString(2, subject);
                        ps.setString(3, reason);
                        ps.setString(4, caller.name());
                        ps.setString(5, Instant.now().toString());
                        ps.executeUpdate();
                    }
                    return null;
                },
                x ->
                        new AuditLog.Event(
                                caller,
                                "token.revoke",
                                null,
                                null,
                                "jti:" + jti,
                                "allowed",
                                "revoked",
                                (subject == null ? "" : "subject " + subject + "; ")
                                        + (reason == null ? "" : reason)));
        revoked.add(jti);
    }
}
