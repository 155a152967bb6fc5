package dev.meerkat.chip.emulator;

import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.Hex;
import dev.meerkat.chip.Zone;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.Properties;

/**
 * The non-volatile memory of an emulated chip as a small text file (device type, config, OTP and
 * the sixteen slots in hex). Written to a temporary file in the same directory and moved over the
 * old one, so a crash leaves either the old or the new state. Private keys are stored in clear:
 * this is an emulator, not a key store.
 */
public final class StateFile {
    private StateFile() {}

    public static void write(Path file, EmulatedChip chip) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                w.write("# Meerkat emulated secure element state\n");
                w.write("device=" + chip.type().name() + "\n");
                w.write("config=" + Hex.format(chip.configBytes()) + "\n");
                w.write("otp=" + Hex.format(chip.otpBytes()) + "\n");
                for (int i = 0; i < Zone.SLOT_COUNT; i++) {
                    w.write("slot." + i + "=" + Hex.format(chip.slotBytes(i)) + "\n");
                }
            }
            try {
                Files.move(
                        tmp,
                        file,
                        StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static EmulatedChip read(Path file) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        DeviceType type = DeviceType.valueOf(required(p, "device"));
        byte[] config = Hex.parse(required(p, "config"));
        byte[] otp = Hex.parse(required(p, "otp"));
        if (config.length != Zone.CONFIG_SIZE || otp.length != Zone.OTP_SIZE)
            throw new IOException("bad zone sizes in " + file);
        byte[][] slots = new byte[Zone.SLOT_COUNT][];
        for (int i = 0; i < Zone.SLOT_COUNT; i++) {
            slots[i] = Hex.parse(required(p, "slot." + i));
            if (slots[i].length != Zone.slotSize(i))
                throw new IOException("bad size of slot " + i + " in " + file);
        }
        return new EmulatedChip(type, config, slots, otp, new SecureRandom());
    }

    /**
     * Opens the chip stored in {@code file}, or creates a factory-fresh one there; changes are
     * persisted.
     */
    public static EmulatedChip openOrCreate(Path file, DeviceType type) throws IOException {
        EmulatedChip chip = Files.exists(file) ? read(file) : EmulatedChip.fresh(type);
        chip.persistTo(file);
        return chip;
    }

    private static String required(Properties p, String key) throws IOException {
        String v = p.getProperty(key);
        if (v == null) throw new IOException("state file lacks " + key);
        return v.trim();
    }
}
