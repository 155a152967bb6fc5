package dev.meerkat.firmware.rpc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The RPC users of a device, as an Apache {@code htdigest} file (Mongoose OS's {@code
 * rpc.auth_file}): one line {@code user:realm:HA1} per user, where {@code HA1 = hex(MD5(user ":"
 * realm ":" password))}. The device never stores a password, only HA1; HA1 is nevertheless
 * password-equivalent for Digest authentication, so the file is never served by {@code FS.Get} and
 * is written 0600.
 */
public final class RpcCredentials {

    /** The user a new device is given. */
    public static final String ADMIN = "admin";

    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final char[] ALPHABET =
            "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789".toCharArray();

    private final String text;

    private RpcCredentials(String text) {
        this.text = text;
    }

    /** Parses the content of an htdigest file (blank lines and {@code #} comments allowed). */
    public static RpcCredentials parse(byte[] htdigest) {
        return new RpcCredentials(new String(htdigest, StandardCharsets.UTF_8));
    }

    /** No users: nobody can authenticate. */
    public static RpcCredentials none() {
        return new RpcCredentials("");
    }

    /** HA1 of {@code user} in {@code realm}, if the file has that user. */
    public Optional<byte[]> ha1(String user, String realm) {
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split(":", -1);
            if (f.length == 3
                    && f[0].equals(user)
                    && f[1].equals(realm)
                    && f[2].matches("[0-9a-fA-F]{32}")) {
                return Optional.of(HexFormat.of().parseHex(f[2].toLowerCase()));
            }
        }
        return Optional.empty();
    }

    /**
     * One htdigest line (with its newline) for {@code user} with {@code password} in {@code realm}.
     */
    public static String htdigestLine(String user, String realm, char[] password) {
        if (!USER.matcher(user).matches()) {
            throw new IllegalArgumentException(
                    "user must be 1-64 letters, digits, '.', '_', '@' or '-'");
        }
        if (realm.contains(":") || realm.contains("\n")) {
            throw new IllegalArgumentException("realm must not contain ':' or a line break");
        }
        if (password.length < 8) {
            throw new IllegalArgumentException("password must have at least 8 characters");
        }
        byte[] secret = new String(password).getBytes(StandardCharsets.UTF_8);
        return user
                + ":"
                + realm
                + ":"
                + HexFormat.of().formatHex(md5(user + ":" + realm + ":", secret))
                + "\n";
    }

    /** A random password of 20 characters (about 116 bits) from an unambiguous alphabet. */
    public static char[] generatePassword(SecureRandom random) {
        char[] p = new char[20];
        for (int i = 0; i < p.length; i++) {
            p[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return p;
    }

    static byte[] md5(String prefix, byte[] rest) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            md.update(prefix.getBytes(StandardCharsets.UTF_8));
            md.update(rest);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
