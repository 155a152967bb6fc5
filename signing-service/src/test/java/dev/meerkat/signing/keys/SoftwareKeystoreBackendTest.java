package dev.meerkat.signing.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.image.KeyType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ECDSA signatures of the key store made by BoringSSL: DER, verifiable with the JDK, for keys
 * generated now and keys read back from the file.
 */
class SoftwareKeystoreBackendTest {

    @TempDir Path dir;

    @Test
    void boringSslIsUsedOnThisPlatform() {
        assertThat(NativeEcdsa.orElse(new BouncyCastleProvider()).nativeCode()).isTrue();
    }

    @Test
    void ecdsaSignaturesVerifyBeforeAndAfterReopeningTheStore() throws Exception {
        Path file = dir.resolve("keys.bcfks");
        char[] password = "test-password".toCharArray();
        SoftwareKeystoreBackend store = new SoftwareKeystoreBackend(file, password);
        PublicKey p256 = store.generate("k256", KeyType.ECDSA_P256);
        PublicKey p384 = store.generate("k384", KeyType.ECDSA_P384);
        byte[] d256 = MessageDigest.getInstance("SHA-256").digest("image".getBytes());
        byte[] d384 = MessageDigest.getInstance("SHA-384").digest("image".getBytes());

        assertVerifies(p256, d256, store.sign("k256", KeyType.ECDSA_P256, d256));
        assertVerifies(p384, d384, store.sign("k384", KeyType.ECDSA_P384, d384));
        assertThat(Files.exists(file)).isTrue();

        SoftwareKeystoreBackend reopened = new SoftwareKeystoreBackend(file, password);
        assertVerifies(p256, d256, reopened.sign("k256", KeyType.ECDSA_P256, d256));
        assertVerifies(p384, d384, reopened.sign("k384", KeyType.ECDSA_P384, d384));
    }

    private static void assertVerifies(PublicKey key, byte[] digest, byte[] der) throws Exception {
        assertThat(der[0]).as("DER SEQUENCE").isEqualTo((byte) 0x30);
        assertThat(der[1] & 0xFF).isEqualTo(der.length - 2);
        Signature v = Signature.getInstance("NONEwithECDSA");
        v.initVerify(key);
        v.update(digest);
        assertThat(v.verify(der)).isTrue();
        digest[0] ^= 1;
        v.initVerify(key);
        v.update(digest);
        assertThat(v.verify(der)).as("signature bound to the digest").isFalse();
        digest[0] ^= 1;
    }
}
