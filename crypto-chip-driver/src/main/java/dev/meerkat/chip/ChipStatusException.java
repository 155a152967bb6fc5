package dev.meerkat.chip;

/** The chip executed (or refused) a command and answered with a non-zero status byte. */
public final class ChipStatusException extends ChipException {
    private final ChipStatus status;
    private final int code;
    private final int opcode;

    public ChipStatusException(int opcode, int code) {
        super(
                String.format(
                        "%s failed: status 0x%02X (%s)",
                        Opcode.name(opcode),
                        code & 0xFF,
                        ChipStatus.of(code) == null
                                ? "unknown"
                                : ChipStatus.of(code).description()));
        this.code = code & 0xFF;
        this.status = ChipStatus.of(code);
        this.opcode = opcode;
    }

    /** The typed status, or null for a status byte the datasheet does not define. */
    public ChipStatus status() {
        return status;
    }

    public int code() {
        return code;
    }

    public int opcode() {
        return opcode;
    }
}
