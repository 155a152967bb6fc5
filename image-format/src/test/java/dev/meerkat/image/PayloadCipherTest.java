package dev.meerkat.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PayloadCipherTest {

    private static byte[] encryptedImage(SigningKey k, DecryptionKey dk, int payloadSize)
            throws Exception {
        byte[] payload = new byte[payloadSize];
        new Random(payloadSize).nextBytes(payload);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageSigner.builder()
                .headerSize(0x200)
                .padHeader(true)
                .version(ImageVersion.parse("1.0.0"))
                .signer(k)
                .encryptFor(dk.encryptionKey(), 128)
                .build()
                .sign(new ByteArrayInputStream(payload), payload.length, out, n -> {});
        return out.toByteArray();
    }

    /** Sectors decrypted in place in any order give what the streaming decryptor gives. */
    @Test
    void decryptsSectorsInAnyOrderLikeTheStreamingDecryptor() throws Exception {
        SigningKey k = SigningKey.generate(KeyType.ED25519);
        DecryptionKey dk = DecryptionKey.generate(KeyType.X25519);
        byte[] img = encryptedImage(k, dk, 70_000 + 13);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        ImageDecryptor.decrypt(ImageSource.of(img), dk, expected, false);

        PayloadCipher cipher =
                PayloadCipher.forImage(ParsedImage.parse(ImageSource.of(img)), dk::unwrap);
        byte[] inPlace = img.clone();
        int sector = 4096;
        List<Integer> order = new ArrayList<>();
        for (int at = 0; at < inPlace.length; at += sector) order.add(at);
        Collections.shuffle(order, new Random(5));
        for (int at : order) {
            int len = Math.min(sector, inPlace.length - at);
            byte[] chunk = java.util.Arrays.copyOfRange(inPlace, at, at + len);
            cipher.apply(at, chunk, 0, len);
            System.arraycopy(chunk, 0, inPlace, at, len);
        }
        assertThat(inPlace).isEqualTo(expected.toByteArray());
        assertThat(
                        ImageVerifier.trusting(k.verificationKey())
                                .withPlaintextBody()
                                .verify(ImageSource.of(inPlace)))
                .isNotNull();
    }

    @Test
    void refusesAPlainImage() throws Exception {
        SigningKey k = SigningKey.generate(KeyType.ED25519);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageSigner.builder()
                .headerSize(0x200)
                .padHeader(true)
                .version(ImageVersion.parse("1.0.0"))
                .signer(k)
                .build()
                .sign(new ByteArrayInputStream(new byte[100]), 100, out, n -> {});
        DecryptionKey dk = DecryptionKey.generate(KeyType.X25519);
        assertThatThrownBy(
                        () ->
                                PayloadCipher.forImage(
                                        ParsedImage.parse(ImageSource.of(out.toByteArray())),
                                        dk::unwrap))
                .isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("not encrypted");
    }

    /** Every PUBLIC KEY block of a PEM text, in order; a text without one is refused. */
    @Test
    void readsEveryPublicKeyOfAPemText() {
        VerificationKey a = SigningKey.generate(KeyType.ED25519).verificationKey();
        VerificationKey b = SigningKey.generate(KeyType.ECDSA_P256).verificationKey();
        List<VerificationKey> keys = VerificationKey.allFromPem(a.toPem() + b.toPem());
        assertThat(keys)
                .extracting(VerificationKey::publicBytes)
                .containsExactly(a.publicBytes(), b.publicBytes());
        assertThatThrownBy(() -> VerificationKey.allFromPem("nothing"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void p256SignatureEncodingsRoundTrip() {
        byte[] rs = new byte[64];
        new Random(1).nextBytes(rs);
        rs[0] = 0; // a short r
        rs[32] |= (byte) 0x80; // an s needing a sign byte in DER
        assertThat(P256.derToRaw(P256.rawToDer(rs))).isEqualTo(rs);
        assertThatThrownBy(() -> P256.derToRaw(new byte[] {0x30, 0}))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
