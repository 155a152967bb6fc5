package dev.meerkat.chip.kit;

import dev.meerkat.chip.ChipCommunicationException;
import dev.meerkat.chip.Hex;
import dev.meerkat.chip.WordAddress;
import dev.meerkat.chip.emulator.EmulatedChip;
import java.util.Locale;

/**
 * Interprets the ASCII kit protocol that cryptoauthlib's kit HAL speaks to a Microchip kit board,
 * on behalf of one emulated chip. Lines look like {@code
 * <target>[(handle)]:<command>[(hex)][:<sub>(hex)]}; replies are {@code <kit status hex>(<data
 * hex>)} followed by a newline, except for the board commands that answer free text.
 *
 * <ul>
 *   <li>{@code board:device(NN)} &rarr; {@code ECC608 TWI 00(C0)} for index 0 (device type,
 *       interface, I2C address in parentheses); other indexes answer {@code no_device 00(00)}.
 *   <li>{@code E:physical:select(C0)}, {@code E:physical:interface:i2c} &rarr; {@code 00()}.
 *   <li>{@code E:w()} wake &rarr; {@code 00(04113343)}; {@code E:i()} idle, {@code E:s()} sleep
 *       &rarr; {@code 00()}.
 *   <li>{@code E:t(packet)} talk: sends the command packet (count..CRC), waits for the chip and
 *       answers {@code 00(response packet)}; {@code E:send(packet)} and {@code E:receive()} split
 *       it.
 * </ul>
 *
 * The target letter may be {@code d} (device), {@code e} (ECC), {@code s} or {@code a} (legacy).
 */
public final class KitInterpreter {
    /** Kit status used when the line is not understood. */
    public static final int STATUS_INVALID = 0xE0;

    /** Kit status used when the chip did not answer (asleep, busy past the time limit). */
    public static final int STATUS_NO_RESPONSE = 0xF0;

    private final EmulatedChip chip;
    private final long talkTimeoutNanos;

    public KitInterpreter(EmulatedChip chip) {
        this(chip, 5_000_000_000L);
    }

    public KitInterpreter(EmulatedChip chip, long talkTimeoutNanos) {
        this.chip = chip;
        this.talkTimeoutNanos = talkTimeoutNanos;
    }

    /** Handles one line (without its newline); returns the reply including its newline. */
    public String handle(String rawLine) {
        String line = rawLine.trim();
        int colon = line.indexOf(':');
        if (colon <= 0) return reply(STATUS_INVALID, "");
        String target = line.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = line.substring(colon + 1);
        try {
            return switch (target.charAt(0)) {
                case 'b' -> board(rest);
                case 'd', 'e', 's', 'a' -> device(rest);
                default -> reply(STATUS_INVALID, "");
            };
        } catch (IllegalArgumentException e) {
            return reply(STATUS_INVALID, "");
        }
    }

    private String board(String rest) {
        String cmd = rest.toLowerCase(Locale.ROOT);
        if (cmd.startsWith("version")) return "Meerkat kit emulator 1.0\n";
        if (cmd.startsWith("firmware")) return "Meerkat kit emulator 1.0\n";
        if (cmd.startsWith("device") || cmd.startsWith("get_device(")) {
            int index = Integer.parseInt(argument(rest), 16);
            if (index != 0) return "no_device 00(00)\n";
            return chip.type().kitName()
                    + " TWI 00("
                    + String.format("%02X", chip.configBytes()[16] & 0xFF)
                    + ")\n";
        }
        if (cmd.startsWith("get_devices")) return reply(0, "C0");
        if (cmd.startsWith("discover")) return "00\n";
        return reply(STATUS_INVALID, "");
    }

    private String device(String rest) {
        String lower = rest.toLowerCase(Locale.ROOT);
        if (lower.startsWith("physical") || lower.startsWith("p:") || lower.startsWith("p(")) {
            return reply(0, "");
        }
        try {
            switch (lower.charAt(0)) {
                case 'w':
                    return reply(0, Hex.format(chip.wakePulse()));
                case 'i':
                    chip.i2cWrite(new byte[] {WordAddress.IDLE});
                    return reply(0, "");
                case 's':
                    if (lower.startsWith("se")) {
                        chip.i2cWrite(frame(Hex.parse(argument(rest))));
                        return reply(0, "");
                    }
                    chip.i2cWrite(new byte[] {WordAddress.SLEEP});
                    return reply(0, "");
                case 'r':
                    return reply(0, Hex.format(awaitResponse()));
                case 't':
                    chip.i2cWrite(frame(Hex.parse(argument(rest))));
                    return reply(0, Hex.format(awaitResponse()));
                default:
                    return reply(STATUS_INVALID, "");
            }
        } catch (ChipCommunicationException nack) {
            return reply(STATUS_NO_RESPONSE, "");
        }
    }

    private byte[] awaitResponse() {
        long deadline = System.nanoTime() + talkTimeoutNanos;
        while (true) {
            try {
                return chip.i2cRead();
            } catch (ChipCommunicationException busy) {
                if (!busy.getMessage().contains("busy") || System.nanoTime() > deadline) throw busy;
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw busy;
                }
            }
        }
    }

    private static byte[] frame(byte[] packet) {
        byte[] f = new byte[packet.length + 1];
        f[0] = WordAddress.COMMAND;
        System.arraycopy(packet, 0, f, 1, packet.length);
        return f;
    }

    private static String argument(String s) {
        int open = s.indexOf('(');
        int close = s.indexOf(')', open + 1);
        if (open < 0 || close < 0) throw new IllegalArgumentException("missing (...)");
        return s.substring(open + 1, close);
    }

    static String reply(int status, String hex) {
        return String.format("%02X(%s)\n", status, hex);
    }
}
