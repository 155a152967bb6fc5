package dev.meerkat.hal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OtpCountersTest {

    @TempDir Path dir;

    private final PowerSupply power = new PowerSupply(3);
    private final OtpCounters otp = OtpCounters.inMemory(2, 1000, power);

    @Test
    void countersOnlyIncrease() {
        assertThat(otp.read(0)).isZero();
        assertThat(otp.advanceTo(0, 5)).isEqualTo(5);
        assertThat(otp.advanceTo(0, 5)).isEqualTo(5);
        assertThatThrownBy(() -> otp.advanceTo(0, 4)).isInstanceOf(CounterException.class);
        assertThat(otp.read(0)).isEqualTo(5);
        assertThat(otp.read(1)).isZero();
        assertThat(otp.increments()).isEqualTo(1);
    }

    @Test
    void countersHaveACeiling() {
        assertThatThrownBy(() -> otp.advanceTo(1, 1001)).isInstanceOf(CounterException.class);
        assertThat(otp.advanceTo(1, 1000)).isEqualTo(1000);
        assertThat(otp.maxValue()).isEqualTo(1000);
        assertThat(otp.count()).isEqualTo(2);
        assertThatThrownBy(() -> otp.read(2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void equalValueIsNotAnOperation() {
        long before = power.operationCount();
        otp.advanceTo(0, 0);
        assertThat(power.operationCount()).isEqualTo(before);
    }

    @Test
    void tornIncreaseLandsBetweenOldAndNewValue() {
        for (int seed = 0; seed < 50; seed++) {
            PowerSupply p = new PowerSupply(seed);
            OtpCounters c = OtpCounters.inMemory(1, 1000, p);
            c.advanceTo(0, 10);
            p.cutAfter(0);
            assertThatThrownBy(() -> c.advanceTo(0, 20)).isInstanceOf(PowerLossException.class);
            assertThatThrownBy(() -> c.read(0)).isInstanceOf(PowerLossException.class);
            p.restore();
            assertThat(c.read(0)).isBetween(10L, 20L);
        }
    }

    @Test
    void fileBackedCountersSurviveReopening() throws IOException {
        Path file = dir.resolve("otp.txt");
        OtpCounters a = OtpCounters.fileBacked(file, 3, 100, new PowerSupply(1));
        a.advanceTo(2, 42);
        OtpCounters b = OtpCounters.fileBacked(file, 3, 100, new PowerSupply(1));
        assertThat(b.read(2)).isEqualTo(42);
        assertThat(b.read(0)).isZero();
        assertThatThrownBy(() -> OtpCounters.fileBacked(file, 2, 100, new PowerSupply(1)))
                .isInstanceOf(IOException.class);
    }
}
