package dev.meerkat.chip;

import java.util.Map;

/**
 * Chip models with their Info revision and the datasheet's maximum execution times (milliseconds).
 */
public enum DeviceType {
    ATECC508A(
            new byte[] {0x00, 0x00, 0x50, 0x00},
            Map.ofEntries(
                    Map.entry(Opcode.CHECKMAC, 13),
                    Map.entry(Opcode.COUNTER, 20),
                    Map.entry(Opcode.DERIVE_KEY, 50),
                    Map.entry(Opcode.ECDH, 58),
                    Map.entry(Opcode.GENDIG, 11),
                    Map.entry(Opcode.GENKEY, 115),
                    Map.entry(Opcode.HMAC, 23),
                    Map.entry(Opcode.INFO, 2),
                    Map.entry(Opcode.LOCK, 32),
                    Map.entry(Opcode.MAC, 14),
                    Map.entry(Opcode.NONCE, 29),
                    Map.entry(Opcode.PRIVWRITE, 48),
                    Map.entry(Opcode.RANDOM, 23),
                    Map.entry(Opcode.READ, 5),
                    Map.entry(Opcode.SHA, 9),
                    Map.entry(Opcode.SIGN, 60),
                    Map.entry(Opcode.UPDATE_EXTRA, 10),
                    Map.entry(Opcode.VERIFY, 72),
                    Map.entry(Opcode.WRITE, 26))),
    /** ATECC608A/B at the default clock divider (M0). */
    ATECC608(
            new byte[] {0x00, 0x00, 0x60, 0x02},
            Map.ofEntries(
                    Map.entry(Opcode.AES, 27),
                    Map.entry(Opcode.CHECKMAC, 40),
                    Map.entry(Opcode.COUNTER, 25),
                    Map.entry(Opcode.DERIVE_KEY, 50),
                    Map.entry(Opcode.ECDH, 75),
                    Map.entry(Opcode.GENDIG, 25),
                    Map.entry(Opcode.GENKEY, 115),
                    Map.entry(Opcode.INFO, 5),
                    Map.entry(Opcode.KDF, 165),
                    Map.entry(Opcode.LOCK, 35),
                    Map.entry(Opcode.MAC, 55),
                    Map.entry(Opcode.NONCE, 20),
                    Map.entry(Opcode.PRIVWRITE, 50),
                    Map.entry(Opcode.RANDOM, 23),
                    Map.entry(Opcode.READ, 5),
                    Map.entry(Opcode.SECUREBOOT, 80),
                    Map.entry(Opcode.SELFTEST, 250),
                    Map.entry(Opcode.SHA, 36),
                    Map.entry(Opcode.SIGN, 115),
                    Map.entry(Opcode.UPDATE_EXTRA, 10),
                    Map.entry(Opcode.VERIFY, 105),
                    Map.entry(Opcode.WRITE, 45)));

    private final byte[] revision;
    private final Map<Integer, Integer> executionMillis;

    DeviceType(byte[] revision, Map<Integer, Integer> executionMillis) {
        this.revision = revision;
        this.executionMillis = executionMillis;
    }

    /** The four bytes Info(Revision) returns. */
    public byte[] revision() {
        return revision.clone();
    }

    /** Datasheet maximum execution time of an opcode, or -1 if this model does not support it. */
    public int executionMillis(int opcode) {
        return executionMillis.getOrDefault(opcode, -1);
    }

    /**
     * ChipMode clock divider values of the 608 (bits 3-7) and the times that differ from M0 at
     * them.
     */
    private static final int CLOCK_DIV_M1 = 0x28;

    private static final int CLOCK_DIV_M2 = 0x68;
    private static final Map<Integer, Integer> M1 =
            Map.of(
                    Opcode.ECDH,
                    172,
                    Opcode.GENDIG,
                    35,
                    Opcode.GENKEY,
                    215,
                    Opcode.SECUREBOOT,
                    160,
                    Opcode.SELFTEST,
                    625,
                    Opcode.SHA,
                    42,
                    Opcode.SIGN,
                    220,
                    Opcode.VERIFY,
                    295);
    private static final Map<Integer, Integer> M2 =
            Map.of(
                    Opcode.ECDH,
                    531,
                    Opcode.GENDIG,
                    35,
                    Opcode.GENKEY,
                    653,
                    Opcode.SECUREBOOT,
                    480,
                    Opcode.SELFTEST,
                    2324,
                    Opcode.SHA,
                    75,
                    Opcode.SIGN,
                    665,
                    Opcode.VERIFY,
                    1085);

    /**
     * Maximum execution time at the clock divider selected by ChipMode (config byte 19, bits 3-7)
     * of a 608: M0 (0x00), M1 (0x28) or M2 (0x68); the 508A has a single table.
     */
    public int executionMillis(int opcode, int chipMode) {
        if (this == ATECC608 && supports(opcode)) {
            int div = chipMode & 0xF8;
            if (div == CLOCK_DIV_M1) return M1.getOrDefault(opcode, executionMillis(opcode));
            if (div == CLOCK_DIV_M2) return M2.getOrDefault(opcode, executionMillis(opcode));
        }
        return executionMillis(opcode);
    }

    public boolean supports(int opcode) {
        return executionMillis.containsKey(opcode);
    }

    /** The target letter used by the kit protocol ("E" for the ECC family). */
    public String kitName() {
        return this == ATECC508A ? "ECC508A" : "ECC608";
    }
}
