package dev.meerkat.hal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bootloader's read-only provisioning: the public keys (or KEYHASHes) it trusts. Provisioned
 * once at the factory and immutable afterwards; several entries allow key rotation.
 *
 * @param keys trusted entries, in provisioning order
 */
public record RootOfTrust(List<ProvisionedKey> keys) {

    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\\s]+)-----END PUBLIC KEY-----");

    public RootOfTrust {
        keys = List.copyOf(Objects.requireNonNull(keys, "keys"));
    }

    /** Provisioning with the given entries. */
    public static RootOfTrust of(ProvisionedKey... keys) {
        return new RootOfTrust(List.of(keys));
    }

    /** An unprovisioned device: trusts nothing, so boots nothing. */
    public static RootOfTrust none() {
        return new RootOfTrust(List.of());
    }

    /** Every {@code PUBLIC KEY} block of a PEM text, in order. */
    public static RootOfTrust fromPem(String pem) {
        List<ProvisionedKey> list = new ArrayList<>();
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            list.add(ProvisionedKey.publicKey(Base64.getMimeDecoder().decode(m.group(1))));
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("no PUBLIC KEY block found");
        }
        return new RootOfTrust(list);
    }

    /**
     * Reads a provisioning file: PEM {@code PUBLIC KEY} blocks and/or lines
     * {@code keyhash: <64 hex digits>}.
     */
    public static RootOfTrust load(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<ProvisionedKey> list = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            list.add(ProvisionedKey.publicKey(Base64.getMimeDecoder().decode(m.group(1))));
        }
        for (String line : text.split("\\R")) {
            String t = line.trim();
            if (t.startsWith("keyhash:")) {
                list.add(ProvisionedKey.keyHash(HexFormat.of().parseHex(t.substring(8).trim())));
            }
        }
        return new RootOfTrust(list);
    }

    /** Text form readable by {@link #load(Path)}. */
    public String toProvisioningText() {
        StringBuilder sb = new StringBuilder();
        for (ProvisionedKey k : keys) {
            if (k instanceof ProvisionedKey.PublicKeyEntry p) {
                sb.append("-----BEGIN PUBLIC KEY-----\n")
                        .append(Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(p.encoded()))
                        .append("\n-----END PUBLIC KEY-----\n");
            } else {
                sb.append("keyhash: ").append(k.keyHashHex()).append('\n');
            }
        }
        return sb.toString();
    }

    /** The entry whose KEYHASH equals {@code keyHash}, if provisioned. */
    public Optional<ProvisionedKey> find(byte[] keyHash) {
        for (ProvisionedKey k : keys) {
            if (Arrays.equals(k.keyHash(), keyHash)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** The full public keys among the entries (DER), in order. */
    public List<byte[]> publicKeys() {
        List<byte[]> out = new ArrayList<>();
        for (ProvisionedKey k : keys) {
            if (k instanceof ProvisionedKey.PublicKeyEntry p) {
                out.add(p.encoded());
            }
        }
        return out;
    }
}
