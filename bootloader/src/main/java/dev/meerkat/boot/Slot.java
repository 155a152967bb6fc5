package dev.meerkat.boot;

/** The two application slots. The device runs from either one in place; nothing is copied. */
public enum Slot {
    A(0),
    B(1);

    private final int index;

    Slot(int index) {
        this.index = index;
    }

    /** 0 for A, 1 for B: the value stored in boot-state records. */
    public int index() {
        return index;
    }

    /** The other slot. */
    public Slot other() {
        return this == A ? B : A;
    }

    /** Bit of this slot in a slot mask. */
    int bit() {
        return 1 << index;
    }

    /** The slot with the given stored index. */
    public static Slot of(int index) {
        return switch (index) {
            case 0 -> A;
            case 1 -> B;
            default -> throw new IllegalArgumentException("no slot " + index);
        };
    }
}
