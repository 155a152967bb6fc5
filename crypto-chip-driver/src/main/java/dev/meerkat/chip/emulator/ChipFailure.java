package dev.meerkat.chip.emulator;

/** Internal signal of the emulator: the command ends with a status byte. */
final class ChipFailure extends Exception {
    final int status;

    ChipFailure(int status, String why) {
        super(why, null, false, false);
        this.status = status;
    }

    static ChipFailure parse(String why) {
        return new ChipFailure(0x03, why);
    }

    static ChipFailure exec(String why) {
        return new ChipFailure(0x0F, why);
    }
}
