package dev.meerkat.fleet.gcp.bridge;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * When each admitted connection must end: the JWT's {@code exp} plus the allowed skew. The newest
 * admission of a client id replaces the previous one (a reconnect with a fresh JWT), so an old
 * timer can never cut the new connection.
 */
final class ConnectionDeadlines implements AutoCloseable {
    /** One admitted connection: its client id, the JWT it presented and when it must end. */
    record Admission(String clientId, String jwt, Instant deadline) {}

    private final Map<String, Admission> admissions = new ConcurrentHashMap<>();
    private final Map<Admission, ScheduledFuture<?>> timers = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final Consumer<String> expire;

    /** {@code expire} is called with the client id whose JWT ran out. */
    ConnectionDeadlines(Consumer<String> expire) {
        this.expire = expire;
        this.timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "iot-core-jwt-expiry");
                            t.setDaemon(true);
                            return t;
                        });
    }

    void admit(String clientId, String jwt, Instant deadline) {
        Admission a = new Admission(clientId, jwt, deadline);
        long delay = Math.max(0, Duration.between(Instant.now(), deadline).toMillis());
        Admission previous = admissions.put(clientId, a);
        if (previous != null) cancel(previous);
        ScheduledFuture<?> f = timer.schedule(() -> fire(a), delay, TimeUnit.MILLISECONDS);
        timers.put(a, f);
        if (f.isDone()) timers.remove(a);
    }

    Optional<Admission> current(String clientId) {
        return Optional.ofNullable(admissions.get(clientId));
    }

    void forget(String clientId) {
        Admission a = admissions.remove(clientId);
        if (a != null) cancel(a);
    }

    private void fire(Admission a) {
        timers.remove(a);
        if (admissions.remove(a.clientId(), a)) expire.accept(a.clientId());
    }

    private void cancel(Admission a) {
        ScheduledFuture<?> f = timers.remove(a);
        if (f != null) f.cancel(false);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
