package dev.meerkat.hal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootOfTrustTest {

    @TempDir Path dir;

    private static byte[] newKey() throws Exception {
        return KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded();
    }

    @Test
    void keyHashIsSha256OfTheEncodedKey() throws Exception {
        byte[] key = newKey();
        ProvisionedKey k = ProvisionedKey.publicKey(key);
        assertThat(k.keyHash()).isEqualTo(MessageDigest.getInstance("SHA-256").digest(key));
        assertThat(k.keyHashHex()).hasSize(64);
    }

    @Test
    void findsEntriesByKeyHash() throws Exception {
        byte[] a = newKey();
        byte[] b = newKey();
        byte[] hashB = MessageDigest.getInstance("SHA-256").digest(b);
        RootOfTrust rot =
                RootOfTrust.of(ProvisionedKey.publicKey(a), ProvisionedKey.keyHash(hashB));
        assertThat(rot.find(ProvisionedKey.publicKey(a).keyHash())).isPresent();
        assertThat(rot.find(hashB)).containsInstanceOf(ProvisionedKey.KeyHashEntry.class);
        assertThat(rot.find(new byte[32])).isEmpty();
        assertThat(rot.publicKeys()).hasSize(1);
        assertThat(rot.publicKeys().get(0)).isEqualTo(a);
    }

    @Test
    void provisioningIsImmutable() throws Exception {
        byte[] a = newKey();
        RootOfTrust rot = RootOfTrust.of(ProvisionedKey.publicKey(a));
        a[0] ^= 1;
        rot.publicKeys().get(0)[0] ^= 1;
        assertThat(rot.find(MessageDigest.getInstance("SHA-256").digest(a))).isEmpty();
        assertThatThrownBy(() -> rot.keys().add(ProvisionedKey.keyHash(new byte[32])))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> ProvisionedKey.keyHash(new byte[31]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void roundTripsProvisioningText() throws Exception {
        byte[] a = newKey();
        byte[] b = newKey();
        RootOfTrust withHash =
                new RootOfTrust(
                        java.util.List.of(
                                ProvisionedKey.publicKey(a),
                                ProvisionedKey.keyHash(ProvisionedKey.publicKey(b).keyHash())));
        Path file = dir.resolve("rot.txt");
        Files.writeString(file, withHash.toProvisioningText());
        assertThat(RootOfTrust.load(file)).isEqualTo(withHash);
        assertThat(RootOfTrust.none().keys()).isEmpty();
    }
}
