package dev.meerkat.cli.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HeartbeatTest {

    @Test
    void aLineEveryTwoSecondsOnceTheWaitHasLastedTwoSeconds() {
        StringWriter sink = new StringWriter();
        AtomicLong now = new AtomicLong(1_000_000_000L);
        String[] status = {"0 of 4 chips done, 0 failed"};
        Heartbeat h =
                new Heartbeat(
                        new PrintWriter(sink), "meerkat provision", () -> status[0], now::get);
        h.tick();
        now.addAndGet(1_900_000_000L);
        h.tick();
        assertThat(sink.toString()).isEmpty();

        now.addAndGet(100_000_000L);
        status[0] = "1 of 4 chips done, 0 failed";
        h.tick();
        now.addAndGet(1_000_000_000L);
        h.tick();
        now.addAndGet(1_000_000_000L);
        status[0] = "3 of 4 chips done, 1 failed";
        h.tick();
        assertThat(sink.toString().lines())
                .containsExactly(
                        "meerkat provision: 1 of 4 chips done, 0 failed, 2 s",
                        "meerkat provision: 3 of 4 chips done, 1 failed, 4 s");
    }

    @Test
    void closingStopsTheLines() throws Exception {
        StringWriter sink = new StringWriter();
        Heartbeat h = Heartbeat.start(new PrintWriter(sink), "meerkat bench", () -> "starting");
        h.close();
        Thread.sleep(300);
        assertThat(sink.toString()).isEmpty();
    }
}
