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

/**
 * The bootloader's read-only provisioning: the public keys (or KEYHASHes) it trusts. Provisioned
 * once at the factory and immutable afterwards; several entries allow key rotation.
 *
 * @param keys trusted entries, in provisioning order
 */
public record RootOfTrust(List<ProvisionedKey> keys) {

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

    /**
     * Reads the hal's provisioning file: lines {@code pubkey: <base64 of the DER public key>} and
     * {@code keyhash: <64 hex digits>}, in provisioning order. Key files (PEM) are read by the
     * tools that provision a device, which hand the parsed keys to {@link #of(ProvisionedKey...)}.
     */
    public static RootOfTrust load(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<ProvisionedKey> list = new ArrayList<>();
        for (String line : text.split("\\R")) {
            String t = line.trim();
            try {
                if (t.startsWith("pubkey:")) {
                    list.add(
                            ProvisionedKey.publicKey(
                                    Base64.getDecoder().decode(t.substring(7).trim())));
                } else if (t.startsWith("keyhash:")) {
                    list.add(
                            ProvisionedKey.keyHash(HexFormat.of().parseHex(t.substring(8).trim())));
                } else if (t.startsWith("-----BEGIN")) {
                    throw new IOException(
                            file
                                    + " holds PEM blocks, the form of earlier versions; provisioning is"
                                    + " stored as 'pubkey: <base64 DER>' lines now: provision the device again");
                }
            } catch (IllegalArgumentException e) {
                throw new IOException(
                        file + ": bad provisioning line '" + t + "': " + e.getMessage(), e);
            }
        }
        return new RootOfTrust(list);
    }

    /** Text form readable by {@link #load(Path)}. */
    public String toProvisioningText() {
        StringBuilder sb = new StringBuilder();
        for (ProvisionedKey k : keys) {
            if (k instanceof ProvisionedKey.PublicKeyEntry p) {
                sb.append("pubkey: ")
                        .append(Base64.getEncoder().encodeToString(p.encoded()))
                        .append('\n');
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
