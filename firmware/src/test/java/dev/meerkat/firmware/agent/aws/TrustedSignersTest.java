package dev.meerkat.firmware.agent.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class TrustedSignersTest {

    private static final SigningKey EC = SigningKey.generate(KeyType.ECDSA_P256);
    private static final SigningKey OTHER = SigningKey.generate(KeyType.ECDSA_P256);
    private static final SigningKey ED = SigningKey.generate(KeyType.ED25519);

    private static ProvisionedKey provisioned(SigningKey k) {
        return ProvisionedKey.publicKey(k.verificationKey().publicKey().getEncoded());
    }

    @Test
    void verifiesTheFileSignatureWithAProvisionedEcdsaKeyOnly() throws Exception {
        byte[] sha =
                MessageDigest.getInstance("SHA-256")
                        .digest("image".getBytes(StandardCharsets.UTF_8));
        TrustedSigners signers =
                TrustedSigners.of(RootOfTrust.of(provisioned(ED), provisioned(EC)));
        assertThat(signers.isEmpty()).isFalse();
        assertThat(signers.verify(sha, EC.signDigest(sha))).isTrue();
        assertThat(signers.verify(sha, OTHER.signDigest(sha))).isFalse();
        byte[] otherFile = sha.clone();
        otherFile[0] ^= 1;
        assertThat(signers.verify(otherFile, EC.signDigest(sha))).isFalse();
        assertThat(signers.verify(sha, new byte[] {0x30, 0})).isFalse();
    }

    @Test
    void aRootOfTrustWithoutEcdsaKeysTrustsNoJob() {
        assertThat(TrustedSigners.of(RootOfTrust.of(provisioned(ED))).isEmpty()).isTrue();
    }
}
