package dev.meerkat.hal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WatchdogTest {

    private final VirtualClock clock = new VirtualClock();
    private final Watchdog dog = new Watchdog(clock);

    @Test
    void stoppedWatchdogNeverFires() {
        clock.advance(Duration.ofHours(1));
        assertThat(dog.isRunning()).isFalse();
        assertThat(dog.remaining()).isEmpty();
        dog.kick();
        assertThat(dog.isRunning()).isFalse();
    }

    @Test
    void firesExactlyAtTheDeadline() {
        dog.start(Duration.ofMillis(100));
        clock.advanceMillis(99);
        assertThat(dog.remaining()).contains(Duration.ofMillis(1));
        assertThatThrownBy(() -> clock.advanceMillis(10))
                .isInstanceOf(WatchdogResetException.class);
        assertThat(clock.millis()).isEqualTo(100);
        assertThat(dog.expirations()).isEqualTo(1);
        assertThat(dog.isRunning()).isFalse();
    }

    @Test
    void kickingKeepsItQuiet() {
        dog.start(Duration.ofMillis(100));
        for (int i = 0; i < 50; i++) {
            clock.advanceMillis(60);
            dog.kick();
        }
        assertThat(dog.expirations()).isZero();
        assertThat(clock.millis()).isEqualTo(3000);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> dog.start(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> clock.advance(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
