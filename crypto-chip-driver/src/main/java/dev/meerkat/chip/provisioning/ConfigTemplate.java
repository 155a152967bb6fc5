package dev.meerkat.chip.provisioning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.chip.ConfigZone;
import dev.meerkat.chip.Crc16;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;

/**
 * A configuration-zone layout to personalize chips with, read from a JSON file (see {@code
 * dev/meerkat/chip/templates/meerkat-tls.json}): SlotConfig and KeyConfig of each slot, I2C
 * address, ChipMode, ChipOptions, X509format, where the certificates go and which slot holds the
 * image decryption key. The factory station writes it and the firmware personalises its chip with
 * the same file, so the two cannot disagree. The template owns those bytes; serial number,
 * revision, counters, UserExtra and the lock bytes stay as the chip has them.
 */
public final class ConfigTemplate {
    /** The built-in TLS identity layout. */
    public static final String DEFAULT = "meerkat-tls";

    private static final HexFormat HEX = HexFormat.of();

    private final String name;
    private final int[] slotConfig = new int[16];
    private final int[] keyConfig = new int[16];
    private final String[] use = new String[16];
    private final int i2cAddress;
    private final int chipMode;
    private final int chipOptions;
    private final byte[] x509format;
    private final int deviceKeySlot;
    private final int deviceCertSlot;
    private final int signerPublicKeySlot;
    private final int signerCertSlot;
    private final int deviceTemplateId;
    private final int signerTemplateId;
    private final int chainId;
    private final int imageKeySlot;

    private ConfigTemplate(JsonNode j) {
        name = j.path("name").asText("unnamed");
        i2cAddress = Integer.parseInt(j.path("i2cAddress").asText("C0"), 16);
        chipMode = Integer.parseInt(j.path("chipMode").asText("00"), 16);
        chipOptions = Integer.parseInt(j.path("chipOptions").asText("0000"), 16);
        x509format = HEX.parseHex(j.path("x509format").asText("00000000"));
        if (x509format.length != 4) throw new IllegalArgumentException("x509format is 4 bytes");
        boolean[] seen = new boolean[16];
        for (JsonNode s : j.path("slots")) {
            int slot = s.path("slot").asInt(-1);
            if (slot < 0 || slot > 15 || seen[slot])
                throw new IllegalArgumentException("bad or repeated slot " + slot);
            seen[slot] = true;
            slotConfig[slot] = Integer.parseInt(s.path("slotConfig").asText(), 16);
            keyConfig[slot] = Integer.parseInt(s.path("keyConfig").asText(), 16);
            use[slot] = s.path("use").asText("");
        }
        for (int i = 0; i < 16; i++) {
            if (!seen[i])
                throw new IllegalArgumentException("template " + name + " lacks slot " + i);
        }
        JsonNode c = j.path("certificates");
        deviceKeySlot = c.path("deviceKeySlot").asInt(0);
        deviceCertSlot = c.path("deviceCertSlot").asInt(10);
        signerPublicKeySlot = c.path("signerPublicKeySlot").asInt(11);
        signerCertSlot = c.path("signerCertSlot").asInt(12);
        deviceTemplateId = c.path("deviceTemplateId").asInt(1);
        signerTemplateId = c.path("signerTemplateId").asInt(2);
        chainId = c.path("chainId").asInt(0);
        imageKeySlot = j.path("imageKeySlot").asInt(-1);
        if (imageKeySlot > 15 || imageKeySlot == deviceKeySlot) {
            throw new IllegalArgumentException("bad imageKeySlot " + imageKeySlot);
        }
    }

    public static ConfigTemplate parse(InputStream json) throws IOException {
        return new ConfigTemplate(new ObjectMapper().readTree(json));
    }

    /** A built-in template by name, or a JSON file. */
    public static ConfigTemplate load(String nameOrFile) {
        try {
            InputStream in =
                    ConfigTemplate.class.getResourceAsStream(
                            "/dev/meerkat/chip/templates/" + nameOrFile + ".json");
            if (in == null) in = Files.newInputStream(Path.of(nameOrFile));
            try (InputStream s = in) {
                return parse(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read config template " + nameOrFile + ": " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    public int deviceKeySlot() {
        return deviceKeySlot;
    }

    public int deviceCertSlot() {
        return deviceCertSlot;
    }

    public int signerPublicKeySlot() {
        return signerPublicKeySlot;
    }

    public int signerCertSlot() {
        return signerCertSlot;
    }

    public int deviceTemplateId() {
        return deviceTemplateId;
    }

    public int signerTemplateId() {
        return signerTemplateId;
    }

    public int chainId() {
        return chainId;
    }

    /**
     * The slot of the image decryption (ECDH) key generated at the factory, if the layout has one.
     */
    public OptionalInt imageKeySlot() {
        return imageKeySlot < 0 ? OptionalInt.empty() : OptionalInt.of(imageKeySlot);
    }

    public String use(int slot) {
        return use[slot];
    }

    /** The 128-byte config zone this template makes of a chip's current one. */
    public byte[] apply(byte[] current) {
        byte[] c = current.clone();
        c[ConfigZone.I2C_ADDRESS] = (byte) i2cAddress;
        c[ConfigZone.CHIP_MODE] = (byte) chipMode;
        for (int i = 0; i < 16; i++) {
            c[ConfigZone.SLOT_CONFIG + 2 * i] = (byte) slotConfig[i];
            c[ConfigZone.SLOT_CONFIG + 2 * i + 1] = (byte) (slotConfig[i] >>> 8);
            c[ConfigZone.KEY_CONFIG + 2 * i] = (byte) keyConfig[i];
            c[ConfigZone.KEY_CONFIG + 2 * i + 1] = (byte) (keyConfig[i] >>> 8);
        }
        c[ConfigZone.CHIP_OPTIONS] = (byte) chipOptions;
        c[ConfigZone.CHIP_OPTIONS + 1] = (byte) (chipOptions >>> 8);
        System.arraycopy(x509format, 0, c, ConfigZone.X509_FORMAT, 4);
        return c;
    }

    /**
     * The CRC the config Lock command expects once this template is written over {@code current}.
     */
    public int lockCrc(byte[] current) {
        return Crc16.compute(apply(current));
    }

    /**
     * The template-owned fields in which {@code config} differs from this template; empty if it
     * matches.
     */
    public List<String> differences(byte[] config) {
        ConfigZone z = new ConfigZone(config);
        List<String> out = new ArrayList<>();
        if (z.i2cAddress() != i2cAddress)
            out.add(String.format("I2C address %02X (template %02X)", z.i2cAddress(), i2cAddress));
        if ((config[ConfigZone.CHIP_MODE] & 0xFF) != chipMode) out.add("ChipMode");
        for (int i = 0; i < 16; i++) {
            if (z.slotConfig(i).value() != slotConfig[i]) {
                out.add(
                        String.format(
                                "slot %d SlotConfig %04X (template %04X)",
                                i, z.slotConfig(i).value(), slotConfig[i]));
            }
            if (z.keyConfig(i).value() != keyConfig[i]) {
                out.add(
                        String.format(
                                "slot %d KeyConfig %04X (template %04X)",
                                i, z.keyConfig(i).value(), keyConfig[i]));
            }
        }
        if (z.chipOptions() != chipOptions)
            out.add(
                    String.format(
                            "ChipOptions %04X (template %04X)", z.chipOptions(), chipOptions));
        for (int i = 0; i < 4; i++) {
            if (config[ConfigZone.X509_FORMAT + i] != x509format[i]) {
                out.add("X509format");
                break;
            }
        }
        return out;
    }
}
