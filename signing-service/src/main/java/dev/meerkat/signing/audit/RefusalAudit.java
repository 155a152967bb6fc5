package dev.meerkat.signing.audit;

import dev.meerkat.signing.refusal.Refusal;
import dev.meerkat.signing.security.Caller;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Audits refusals in one place: an operation runs inside {@link #guard} (or {@link #guardAsync})
 * with the subject its audit entry names, and a {@link Refusal} escaping it is recorded once
 * ("denied" for a missing permission, "refused" otherwise, with its code, title and detail) before
 * it travels on, marked as audited. Refusals raised outside any operation are audited by the web
 * layer through {@link #record}.
 */
@ApplicationScoped
public class RefusalAudit {

    /** What a guarded operation is about: the action and the key/artifact its audit entry names. */
    public record Subject(String action, String keyId, Integer keyVersion, String artifact) {
        public static Subject of(String action) {
            return new Subject(action, null, null, null);
        }
    }

    @Inject AuditLog audit;

    /** Runs {@code work}; a refusal from it is audited (waiting for the commit) and rethrown. */
    public <T> T guard(Caller caller, Subject subject, Supplier<T> work) {
        return guardLate(caller, () -> subject, work);
    }

    /**
     * {@link #guard} for a subject known only once the work has read its input (taken when a
     * refusal happens).
     */
    public <T> T guardLate(Caller caller, Supplier<Subject> subject, Supplier<T> work) {
        try {
            return work.get();
        } catch (Refusal r) {
            if (r.audited()) throw r;
            audit.append(event(caller, subject.get(), r));
            throw r.asAudited();
        }
    }

    /**
     * Asynchronous form: a refusal thrown at once or completing the future is audited without
     * blocking, and the returned future fails with it only once its entry is committed.
     */
    public <T> CompletableFuture<T> guardAsync(
            Caller caller, Subject subject, Supplier<CompletableFuture<T>> work) {
        return guardAsyncLate(caller, () -> subject, work);
    }

    /** {@link #guardAsync} with the subject taken when a refusal happens. */
    public <T> CompletableFuture<T> guardAsyncLate(
            Caller caller, Supplier<Subject> subject, Supplier<CompletableFuture<T>> work) {
        CompletableFuture<T> started;
        try {
            started = work.get();
        } catch (RuntimeException e) {
            started = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<T> out = new CompletableFuture<>();
        started.whenComplete(
                (v, ex) -> {
                    if (ex == null) {
                        out.complete(v);
                        return;
                    }
                    Throwable cause =
                            ex instanceof CompletionException && ex.getCause() != null
                                    ? ex.getCause()
                                    : ex;
                    if (cause instanceof Refusal r && !r.audited()) {
                        record(caller, subject.get(), r)
                                .whenComplete(
                                        (e, aex) ->
                                                out.completeExceptionally(
                                                        aex != null
                                                                ? AuditLog.failure(aex)
                                                                : r.asAudited()));
                    } else {
                        out.completeExceptionally(cause);
                    }
                });
        return out;
    }

    /** Queues the audit entry of a refusal; the future completes once it is committed. */
    public CompletableFuture<AuditEntry> record(Caller caller, Subject subject, Refusal r) {
        return audit.appendAsync(event(caller, subject, r));
    }

    private static AuditLog.Event event(Caller caller, Subject s, Refusal r) {
        String keyId =
                s.keyId() != null && s.keyId().length() > AuditLog.MAX_KEY_ID ? null : s.keyId();
        return new AuditLog.Event(
                caller,
                s.action(),
                keyId,
                s.keyVersion(),
                s.artifact(),
                r.decision(),
                String.valueOf(r.code()),
                r.title() + ": " + r.getMessage());
    }
}
