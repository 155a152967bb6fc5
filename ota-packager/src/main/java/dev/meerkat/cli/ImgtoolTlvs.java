package dev.meerkat.cli;

import dev.meerkat.cli.io.CliException;
import dev.meerkat.image.DigestSigner;
import dev.meerkat.image.ImageVersion;
import dev.meerkat.image.Tlv;
import dev.meerkat.image.TlvType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The protected TLVs of imgtool's {@code --boot-record}, {@code --vid} and {@code --cid}, with
 * imgtool's bytes.
 */
final class ImgtoolTlvs {
    static final int UUID_VID = 0x74;
    static final int UUID_CID = 0x75;

    /** RFC 4122 name-space for DNS names, the namespace imgtool hashes a --vid name in. */
    private static final byte[] NAMESPACE_DNS =
            HexFormat.of().parseHex("6ba7b8109dad11d180b400c04fd430c8");

    private static final Pattern DASHED =
            Pattern.compile(
                    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{32}");

    private ImgtoolTlvs() {}

    /**
     * PSA software-component claims as CBOR, keys in imgtool's order: type, version, signer id
     * (SHA-256 of the signing key's public bytes, zeros without a key), measurement description,
     * and a zero measurement value last, which the bootloader fills in.
     */
    static Tlv bootRecord(String swType, ImageVersion v, DigestSigner signer) {
        byte[] signerId = signer == null ? new byte[32] : signer.verificationKey().keyHash();
        ByteArrayOutputStream c = new ByteArrayOutputStream();
        head(c, 5, 5); // map of 5 pairs
        head(c, 0, 1);
        text(c, swType);
        head(c, 0, 4);
        text(c, v.major() + "." + v.minor() + "." + v.revision());
        head(c, 0, 5);
        bytes(c, signerId);
        head(c, 0, 6);
        text(c, "SHA256");
        head(c, 0, 2);
        bytes(c, new byte[32]);
        return new Tlv(TlvType.BOOT_RECORD, c.toByteArray());
    }

    static Tlv vendorId(String value) {
        return new Tlv(UUID_VID, uuid(NAMESPACE_DNS, value, "--vid"));
    }

    /** The class id; a name is hashed in the vendor UUID's namespace, so it needs --vid. */
    static Tlv classId(String vendor, String value) {
        byte[] ns = vendor == null ? null : uuid(NAMESPACE_DNS, vendor, "--vid");
        return new Tlv(UUID_CID, uuid(ns, value, "--cid"));
    }

    private static byte[] uuid(byte[] namespace, String value, String option) {
        if (DASHED.matcher(value).matches()) return HexFormat.of().parseHex(value.replace("-", ""));
        if (HEX.matcher(value).matches()) return HexFormat.of().parseHex(value);
        if (namespace == null)
            throw CliException.usage(
                    option + " " + value + ": a name needs --vid as its namespace");
        if (!value.chars().allMatch(ch -> ch >= 0x20 && ch != 0x7f)) {
            throw CliException.usage(option + ": not a UUID and not a printable name");
        }
        return uuid5(namespace, value);
    }

    /** RFC 4122 version 5: SHA-1 of namespace and name, version and variant bits set. */
    private static byte[] uuid5(byte[] namespace, String name) {
        try {
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            sha1.update(namespace);
            byte[] h = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
            byte[] u = java.util.Arrays.copyOf(h, 16);
            u[6] = (byte) ((u[6] & 0x0f) | 0x50);
            u[8] = (byte) ((u[8] & 0x3f) | 0x80);
            return u;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void text(ByteArrayOutputStream c, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        head(c, 3, b.length);
        c.writeBytes(b);
    }

    private static void bytes(ByteArrayOutputStream c, byte[] b) {
        head(c, 2, b.length);
        c.writeBytes(b);
    }

    /** A CBOR item head: major type and argument in the shortest form. */
    private static void head(ByteArrayOutputStream c, int major, int arg) {
        int m = major << 5;
        if (arg < 24) {
            c.write(m | arg);
        } else if (arg < 0x100) {
            c.write(m | 24);
            c.write(arg);
        } else {
            c.write(m | 25);
            c.write(arg >> 8);
            c.write(arg & 0xFF);
        }
    }
}
