package dev.meerkat.cli.device;

import dev.meerkat.cli.io.CliException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What the command line proves itself with: a user and either a password or, from an htdigest file,
 * the user's HA1 for one realm. HA1 is all an RFC 7616 MD5 client needs, so the same {@code
 * rpc_auth.txt} given to a device also lets a script talk to it without a clear-text password on
 * disk. {@link #anonymous()} presents nothing (TLS client certificates and MQTT control sources
 * still identify the caller).
 */
public final class DeviceCredentials {

    private final String user;
    private final char[] password;
    private final String ha1Realm;
    private final byte[] ha1;

    private DeviceCredentials(String user, char[] password, String ha1Realm, byte[] ha1) {
        this.user = user;
        this.password = password;
        this.ha1Realm = ha1Realm;
        this.ha1 = ha1;
    }

    public static DeviceCredentials anonymous() {
        return new DeviceCredentials("", null, null, null);
    }

    public static DeviceCredentials password(String user, char[] password) {
        return new DeviceCredentials(user, password.clone(), null, null);
    }

    /** The line of {@code user} in an htdigest file ({@code user:realm:HA1}). */
    public static DeviceCredentials htdigest(String user, String fileText, String fileName) {
        for (String line : fileText.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] f = l.split(":", -1);
            if (f.length == 3 && f[0].equals(user)) {
                if (!f[2].matches("[0-9a-fA-F]{32}")) {
                    throw CliException.usage(
                            "--credentials "
                                    + fileName
                                    + ": the line of "
                                    + user
                                    + " has no 32-digit HA1 (not an htdigest file?)");
                }
                return new DeviceCredentials(
                        user, null, f[1], HexFormat.of().parseHex(f[2].toLowerCase()));
            }
        }
        throw CliException.usage("--credentials " + fileName + ": no line for user " + user);
    }

    public boolean present() {
        return !user.isEmpty();
    }

    public String user() {
        return user;
    }

    /** HA1 for the realm the device asks for; a refusal names the mismatch. */
    byte[] ha1(String realm) {
        if (ha1 != null) {
            if (!ha1Realm.equals(realm)) {
                throw new CliException(
                        dev.meerkat.cli.io.ExitCode.INVALID,
                        "the device's realm is "
                                + realm
                                + " but the htdigest line of "
                                + user
                                + " is for realm "
                                + ha1Realm);
            }
            return ha1.clone();
        }
        byte[] secret = new String(password).getBytes(StandardCharsets.UTF_8);
        try {
            return md5((user + ":" + realm + ":").getBytes(StandardCharsets.UTF_8), secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    Optional<String> realm() {
        return Optional.ofNullable(ha1Realm);
    }

    static byte[] md5(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("MD5");
            for (byte[] p : parts) {
                md.update(p);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
