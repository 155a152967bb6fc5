package dev.meerkat.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.image.ImageFormatException.Problem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SignerVerifierTest {

    private static final byte[] PAYLOAD = new byte[50_000];

    static {
        new java.util.Random(7).nextBytes(PAYLOAD);
    }

    private static byte[] sign(ImageSigner signer) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        signer.sign(new ByteArrayInputStream(PAYLOAD), PAYLOAD.length, out, n -> {});
        return out.toByteArray();
    }

    private static ImageSigner.Builder base() {
        return ImageSigner.builder()
                .headerSize(0x200)
                .padHeader(true)
                .version(ImageVersion.parse("1.2.3+4"));
    }

    @ParameterizedTest
    @EnumSource(value = KeyType.class, names = "X25519", mode = EnumSource.Mode.EXCLUDE)
    void everyKeyTypeSignsAndVerifiesAndSurvivesPemRoundTrip(KeyType type) throws Exception {
        SigningKey k = SigningKey.generate(type);
        SigningKey reloaded =
                SigningKey.fromPem(k.toPem("secret".toCharArray()), "secret".toCharArray());
        assertThat(reloaded.verificationKey()).isEqualTo(k.verificationKey());
        byte[] img = sign(base().signer(reloaded).build());
        VerifiedImage v =
                ImageVerifier.trusting(VerificationKey.fromPem(k.verificationKey().toPem()))
                        .verify(ImageSource.of(img));
        assertThat(v.signer()).contains(k.verificationKey());
        assertThat(v.version()).isEqualTo(ImageVersion.parse("1.2.3+4"));
    }

    @Test
    void encryptedPemNeedsItsPassword() {
        String pem = SigningKey.generate(KeyType.ED25519).toPem("pw".toCharArray());
        assertThat(pem).contains("ENCRYPTED PRIVATE KEY");
        assertThatThrownBy(() -> SigningKey.fromPem(pem, null))
                .hasMessageContaining("password-protected");
        assertThatThrownBy(() -> SigningKey.fromPem(pem, "wrong".toCharArray()))
                .hasMessageContaining("wrong password");
    }

    @Test
    void encryptionKeyFromAPasswordProtectedPrivateKey() {
        DecryptionKey dk = DecryptionKey.generate(KeyType.X25519);
        String pem = dk.toPem("pw".toCharArray());
        assertThatThrownBy(() -> EncryptionKey.fromPem(pem))
                .hasMessageContaining("password-protected");
        assertThat(EncryptionKey.fromPem(pem, "pw".toCharArray()).tlvType())
                .isEqualTo(TlvType.ENC_X25519);
    }

    @Test
    void keyRotationAcceptsAnyTrustedKey() throws Exception {
        SigningKey old = SigningKey.generate(KeyType.ECDSA_P256);
        SigningKey current = SigningKey.generate(KeyType.ED25519);
        byte[] img = sign(base().signer(current).build());
        VerifiedImage v =
                ImageVerifier.trusting(List.of(old.verificationKey(), current.verificationKey()))
                        .verify(ImageSource.of(img));
        assertThat(v.signer()).contains(current.verificationKey());
    }

    @Test
    void fullPublicKeyFormatEmbedsTheKey() throws Exception {
        SigningKey k = SigningKey.generate(KeyType.ECDSA_P256);
        byte[] img =
                sign(base().signer(k).publicKeyFormat(ImageSigner.PublicKeyFormat.FULL).build());
        ParsedImage p = ParsedImage.parse(ImageSource.of(img));
        assertThat(p.first(TlvType.PUBKEY).orElseThrow().tlv().value())
                .isEqualTo(k.verificationKey().publicBytes());
        ImageVerifier.trusting(k.verificationKey()).verify(ImageSource.of(img));
    }

    @Test
    void tamperingAnyCoveredRegionIsDetected() throws Exception {
        SigningKey k = SigningKey.generate(KeyType.ECDSA_P256);
        byte[] img = sign(base().signer(k).securityCounter(5).build());
        ImageVerifier v = ImageVerifier.trusting(k.verificationKey());
        byte[] payload = img.clone();
        payload[0x200 + 1000] ^= 1;
        assertProblem(v, payload, Problem.HASH_MISMATCH);
        byte[] header = img.clone();
        header[20] ^= 1; // version major
        assertProblem(v, header, Problem.HASH_MISMATCH);
        byte[] prot = img.clone();
        prot[0x200 + PAYLOAD.length + 8] ^= 1; // SEC_CNT value
        assertProblem(v, prot, Problem.HASH_MISMATCH);
        byte[] sig = img.clone();
        sig[sig.length - 10] ^= 1;
        assertProblem(v, sig, Problem.BAD_SIGNATURE);
    }

    @Test
    void securityCounterAndDependenciesAreReported() throws Exception {
        byte[] img =
                sign(
                        base().securityCounter(77)
                                .dependencies(Dependency.parseList("(1, 2.0.0), (2,3.1.0+9)"))
                                .build());
        VerifiedImage v = ImageVerifier.hashOnly().verify(ImageSource.of(img));
        assertThat(v.securityCounter()).hasValue(77);
        assertThat(v.dependencies())
                .containsExactly(
                        new Dependency(1, ImageVersion.parse("2.0.0")),
                        new Dependency(2, ImageVersion.parse("3.1.0+9")));
    }

    @Test
    void imageLargerThanItsSlotIsRefused() throws Exception {
        assertThatThrownBy(() -> sign(base().slotSize(40_000).build()))
                .hasMessageContaining("exceeds the slot size");
        byte[] img = sign(base().build());
        assertProblem(ImageVerifier.hashOnly().withMaxSize(40_000), img, Problem.TOO_LARGE);
    }

    @Test
    void fixedSignatureMustMatchTheDigest() throws Exception {
        SigningKey k = SigningKey.generate(KeyType.ECDSA_P256);
        ImageSigner.Builder b = base();
        byte[] digest = b.build().digest(new ByteArrayInputStream(PAYLOAD), PAYLOAD.length);
        byte[] remote = k.signDigest(digest);
        byte[] img = sign(base().signer(DigestSigner.fixed(k.verificationKey(), remote)).build());
        ImageVerifier.trusting(k.verificationKey()).verify(ImageSource.of(img));
        byte[] wrong = k.signDigest(new byte[32]);
        assertThatThrownBy(
                        () ->
                                sign(
                                        base().signer(
                                                        DigestSigner.fixed(
                                                                k.verificationKey(), wrong))
                                                .build()))
                .hasMessageContaining("does not verify");
    }

    @Test
    void headerSpaceMustBeZeroWithoutPadHeader() {
        assertThatThrownBy(
                        () ->
                                sign(
                                        ImageSigner.builder()
                                                .headerSize(0x20)
                                                .version(ImageVersion.parse("1.0.0"))
                                                .build()))
                .hasMessageContaining("--pad-header");
    }

    @Test
    void protectedTlvsInTheUnprotectedAreaAreRejected() throws Exception {
        byte[] img = sign(base().build());
        // Rewrite the SHA256 TLV's type to SEC_CNT: a counter outside the protected area must not
        // be honoured.
        int off = 0x200 + PAYLOAD.length + 4;
        img[off] = (byte) TlvType.SEC_CNT;
        assertProblem(ImageVerifier.hashOnly(), img, Problem.BAD_TLV);
    }

    @Test
    void largeImagesAreHashedOnASecondThreadWithTheSameVerdicts() throws Exception {
        byte[] payload = new byte[12 << 20];
        new java.util.Random(11).nextBytes(payload);
        SigningKey k = SigningKey.generate(KeyType.ED25519);
        DecryptionKey dk = DecryptionKey.generate(KeyType.X25519);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        base().signer(k)
                .encryptFor(dk.encryptionKey(), 256)
                .build()
                .sign(new ByteArrayInputStream(payload), payload.length, out, n -> {});
        byte[] img = out.toByteArray();
        ImageVerifier v = ImageVerifier.trusting(k.verificationKey()).withDecryptionKey(dk);
        assertThat(v.verify(ImageSource.of(img)).encrypted()).isTrue();
        byte[] tampered = img.clone();
        tampered[0x200 + payload.length - 1] ^= 1;
        assertProblem(v, tampered, Problem.HASH_MISMATCH);
        // A read failure half-way is reported, and nothing waits forever on the hashing thread.
        ImageSource failing =
                new ImageSource() {
                    @Override
                    public long size() {
                        return img.length;
                    }

                    @Override
                    public void read(long offset, byte[] dst, int off, int len)
                            throws java.io.IOException {
                        if (offset > (6 << 20)) throw new java.io.IOException("flash read error");
                        System.arraycopy(img, (int) offset, dst, off, len);
                    }
                };
        assertThatThrownBy(() -> v.verify(failing))
                .isInstanceOfSatisfying(
                        ImageFormatException.class,
                        e -> assertThat(e.problem()).isEqualTo(Problem.IO));
    }

    @Test
    void versionsParseLikeImgtool() {
        assertThat(ImageVersion.parse("1")).isEqualTo(new ImageVersion(1, 0, 0, 0));
        assertThat(ImageVersion.parse("1.2.3+4")).isEqualTo(new ImageVersion(1, 2, 3, 4));
        assertThat(ImageVersion.parse("1.2.3+4").autoSecurityCounter()).isEqualTo(0x01020003L);
        assertThatThrownBy(() -> ImageVersion.parse("1.2.3.4"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ImageVersion.parse("256.0.0"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(ImageVersion.parse("1.2.0")).isLessThan(ImageVersion.parse("1.10.0"));
    }

    @Test
    void intelHexRoundTrips() throws Exception {
        byte[] data = new byte[70_000];
        new java.util.Random(3).nextBytes(data);
        java.io.StringWriter w = new java.io.StringWriter();
        IntelHex.write(new IntelHex.Block(0x0800_F000L, data), w);
        IntelHex.Block back = IntelHex.read(new java.io.StringReader(w.toString()), 0xFF);
        assertThat(back.address()).isEqualTo(0x0800_F000L);
        assertThat(back.data()).isEqualTo(data);
        String corrupted = w.toString().replaceFirst(":10", ":11");
        assertThatThrownBy(() -> IntelHex.read(new java.io.StringReader(corrupted), 0xFF))
                .hasMessageContaining("line 2");
    }

    private static void assertProblem(ImageVerifier v, byte[] img, Problem p) {
        assertThatThrownBy(() -> v.verify(ImageSource.of(img)))
                .isInstanceOfSatisfying(
                        ImageFormatException.class, e -> assertThat(e.problem()).isEqualTo(p));
    }
}
