package dev.meerkat.chip.emulator;

import dev.meerkat.chip.Transport;
import dev.meerkat.chip.WordAddress;

/**
 * Connects the driver to an {@link EmulatedChip} through the same word-address frames as an I2C
 * bus.
 */
public final class EmulatorTransport implements Transport {
    private final EmulatedChip chip;

    public EmulatorTransport(EmulatedChip chip) {
        this.chip = chip;
    }

    public EmulatedChip chip() {
        return chip;
    }

    @Override
    public byte[] sendWake() {
        return chip.wakePulse();
    }

    @Override
    public void send(byte[] packet) {
        byte[] frame = new byte[packet.length + 1];
        frame[0] = WordAddress.COMMAND;
        System.arraycopy(packet, 0, frame, 1, packet.length);
        chip.i2cWrite(frame);
    }

    @Override
    public byte[] receive() {
        return chip.i2cRead();
    }

    @Override
    public void idle() {
        chip.i2cWrite(new byte[] {WordAddress.IDLE});
    }

    @Override
    public void sleep() {
        chip.i2cWrite(new byte[] {WordAddress.SLEEP});
    }
}
