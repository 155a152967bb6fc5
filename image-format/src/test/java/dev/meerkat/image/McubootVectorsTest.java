package dev.meerkat.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Compatibility with files made by MCUboot's imgtool 2.4.0 (see shared/vectors/README.md). */
class McubootVectorsTest {

    static Stream<Arguments> signedVectors() {
        return Stream.of(
                Arguments.of("img-ecdsa-p256.bin", "key-ecdsa-p256.pem"),
                Arguments.of("img-ed25519.bin", "key-ed25519.pem"),
                Arguments.of("img-rsa-2048.bin", "key-rsa-2048.pem"),
                Arguments.of("img-rsa-3072.bin", "key-rsa-3072.pem"),
                Arguments.of("img-ecdsa-p256-padded-confirmed.bin", "key-ecdsa-p256.pem"),
                Arguments.of("img-ecdsa-p256-padded-test.bin", "key-ecdsa-p256.pem"),
                Arguments.of("img-ecdsa-p256-dep-hdr20.bin", "key-ecdsa-p256.pem"));
    }

    @ParameterizedTest
    @MethodSource("signedVectors")
    void signedVectorsVerifyWithTheirKey(String image, String key) throws Exception {
        VerificationKey k = VerificationKey.fromPem(Vectors.text(key));
        VerifiedImage v = ImageVerifier.trusting(k).verify(ImageSource.of(Vectors.bytes(image)));
        assertThat(v.signer()).contains(k);
    }

    @ParameterizedTest
    @MethodSource("signedVectors")
    void signedVectorsAreRejectedByAnotherKey(String image, String key) throws Exception {
        String other = key.equals("key-ed25519.pem") ? "key-ecdsa-p256.pem" : "key-ed25519.pem";
        VerificationKey k = VerificationKey.fromPem(Vectors.text(other));
        assertThatThrownBy(
                        () ->
                                ImageVerifier.trusting(k)
                                        .verify(ImageSource.of(Vectors.bytes(image))))
                .isInstanceOfSatisfying(
                        ImageFormatException.class,
                        e ->
                                assertThat(e.problem())
                                        .isEqualTo(ImageFormatException.Problem.UNKNOWN_KEY));
    }

    @Test
    void unsignedVectorHashVerifies() throws Exception {
        VerifiedImage v =
                ImageVerifier.hashOnly()
                        .verify(ImageSource.of(Vectors.bytes("img-unsigned-sha256.bin")));
        assertThat(v.signer()).isEmpty();
        assertThatThrownBy(
                        () ->
                                ImageVerifier.trusting(
                                                VerificationKey.fromPem(
                                                        Vectors.text("key-ecdsa-p256.pem")))
                                        .verify(
                                                ImageSource.of(
                                                        Vectors.bytes("img-unsigned-sha256.bin"))))
                .hasMessageContaining("not signed");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "img-ecdsa-p256-enc-ec256-aes128.bin",
                "img-ecdsa-p256-enc-ec256-aes256.bin",
                "img-ed25519-enc-x25519.bin"
            })
    void encryptedVectorsDecryptToThePayload(String image) throws Exception {
        String encKey = image.contains("x25519") ? "key-x25519.pem" : "key-enc-p256.pem";
        String sigKey = image.startsWith("img-ed25519") ? "key-ed25519.pem" : "key-ecdsa-p256.pem";
        DecryptionKey dk = DecryptionKey.fromPem(Vectors.text(encKey), null);
        byte[] img = Vectors.bytes(image);
        ImageVerifier.trusting(VerificationKey.fromPem(Vectors.text(sigKey)))
                .withDecryptionKey(dk)
                .verify(ImageSource.of(img));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageDecryptor.decrypt(ImageSource.of(img), dk, out, true);
        assertThat(out.toByteArray()).isEqualTo(Vectors.bytes("app-16k.bin"));
    }

    @Test
    void encryptedVectorWithoutKeyIsReportedAsEncrypted() {
        assertThatThrownBy(
                        () ->
                                ImageVerifier.trusting(
                                                VerificationKey.fromPem(
                                                        Vectors.text("key-ecdsa-p256.pem")))
                                        .verify(
                                                ImageSource.of(
                                                        Vectors.bytes(
                                                                "img-ecdsa-p256-enc-ec256-aes128.bin"))))
                .isInstanceOfSatisfying(
                        ImageFormatException.class,
                        e -> {
                            assertThat(e.problem())
                                    .isEqualTo(ImageFormatException.Problem.ENCRYPTED);
                            assertThat(e.getMessage())
                                    .contains("signature over the stated hash is valid");
                        });
    }

    @Test
    void encryptedVectorWithWrongDecryptionKeyFails() {
        DecryptionKey wrong = DecryptionKey.fromPem(Vectors.text("key-ecdsa-p256.pem"), null);
        assertThatThrownBy(
                        () ->
                                ImageVerifier.hashOnly()
                                        .withDecryptionKey(wrong)
                                        .verify(
                                                ImageSource.of(
                                                        Vectors.bytes(
                                                                "img-ecdsa-p256-enc-ec256-aes128.bin"))))
                .isInstanceOfSatisfying(
                        ImageFormatException.class,
                        e ->
                                assertThat(e.problem())
                                        .isEqualTo(ImageFormatException.Problem.BAD_ENCRYPTION));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "img-ecdsa-p256.bin",
                "img-ed25519.bin",
                "img-rsa-2048.bin",
                "img-rsa-3072.bin",
                "img-ecdsa-p256-enc-ec256-aes128.bin",
                "img-ecdsa-p256-enc-ec256-aes256.bin",
                "img-ed25519-enc-x25519.bin",
                "img-ecdsa-p256-padded-confirmed.bin",
                "img-ecdsa-p256-padded-test.bin",
                "img-ecdsa-p256-dep-hdr20.bin",
                "img-unsigned-sha256.bin"
            })
    void dumpinfoMatchesImgtool(String image) throws Exception {
        String expectedText = Vectors.text(image.replace(".bin", ".dumpinfo.json"));
        JsonNode ours = ImageDump.describe(image, ImageSource.of(Vectors.bytes(image)));
        ObjectMapper m = new ObjectMapper();
        assertThat(m.readTree(ImageDump.toPythonJson(ours))).isEqualTo(m.readTree(expectedText));
        assertThat(ImageDump.toPythonJson(ours)).isEqualTo(expectedText.strip());
    }

    @Test
    void keyHashMatchesImgtool() {
        assertThat(VerificationKey.fromPem(Vectors.text("key-ecdsa-p256.pem")).keyHashHex())
                .isEqualTo("978b4baf48365fcc9df1744e9cabe419c954d84ed6c6a422023f1d9e234cd0ca");
    }

    @Test
    void ed25519OutputIsByteIdenticalToImgtool() throws Exception {
        byte[] ours =
                sign(
                        ImageSigner.builder()
                                .headerSize(0x200)
                                .padHeader(true)
                                .version(ImageVersion.parse("2.0.0"))
                                .slotSize(0x20000)
                                .signer(signingKey("key-ed25519.pem")),
                        "app-16k.bin");
        assertThat(ours).isEqualTo(Vectors.bytes("img-ed25519.bin"));
    }

    @Test
    void fileToFileSigningProducesTheSameBytes(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path out = tmp.resolve("out.bin");
        ImageSigner ed =
                ImageSigner.builder()
                        .headerSize(0x200)
                        .padHeader(true)
                        .version(ImageVersion.parse("2.0.0"))
                        .slotSize(0x20000)
                        .signer(signingKey("key-ed25519.pem"))
                        .build();
        signFiles(ed, Vectors.mcuboot("app-16k.bin"), out);
        assertThat(java.nio.file.Files.readAllBytes(out))
                .isEqualTo(Vectors.bytes("img-ed25519.bin"));
        // Header space taken from the input (no --pad-header), protected TLVs, padded slot.
        SigningKey sk = signingKey("key-ecdsa-p256.pem");
        ImageSigner dep =
                ImageSigner.builder()
                        .headerSize(0x20)
                        .version(ImageVersion.parse("1.0.0"))
                        .dependencies(Dependency.parseList("(1,2.3.4+5)"))
                        .securityCounter(7)
                        .slotSize(0x20000)
                        .padding(ImageSigner.Padding.CONFIRM)
                        .signer(sk)
                        .build();
        signFiles(dep, Vectors.mcuboot("app-zerohdr.bin"), out);
        byte[] viaFiles = java.nio.file.Files.readAllBytes(out);
        ImageVerifier.trusting(sk.verificationKey()).verify(ImageSource.of(viaFiles));
        ByteArrayOutputStream viaStream = new ByteArrayOutputStream();
        byte[] in = Vectors.bytes("app-zerohdr.bin");
        dep.sign(new ByteArrayInputStream(in), in.length, viaStream, n -> {});
        assertThat(withoutSignature(viaFiles)).isEqualTo(withoutSignature(viaStream.toByteArray()));
    }

    private static void signFiles(ImageSigner signer, java.nio.file.Path in, java.nio.file.Path out)
            throws Exception {
        try (var i = java.nio.channels.FileChannel.open(in);
                var o =
                        java.nio.channels.FileChannel.open(
                                out,
                                java.nio.file.StandardOpenOption.CREATE,
                                java.nio.file.StandardOpenOption.WRITE,
                                java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            signer.sign(i, o, n -> {});
        }
    }

    @Test
    void unsignedOutputIsByteIdenticalToImgtool() throws Exception {
        byte[] ours =
                sign(
                        ImageSigner.builder()
                                .headerSize(0x200)
                                .padHeader(true)
                                .version(ImageVersion.parse("0.1.0"))
                                .slotSize(0x20000),
                        "app-16k.bin");
        assertThat(ours).isEqualTo(Vectors.bytes("img-unsigned-sha256.bin"));
    }

    static Stream<Arguments> randomizedSignatureVectors() {
        return Stream.of(
                Arguments.of(
                        "img-ecdsa-p256.bin",
                        "key-ecdsa-p256.pem",
                        "app-16k.bin",
                        ImageSigner.builder()
                                .headerSize(0x200)
                                .padHeader(true)
                                .version(ImageVersion.parse("1.2.3+4"))
                                .securityCounter(
                                        ImageVersion.parse("1.2.3+4").autoSecurityCounter())),
                Arguments.of(
                        "img-rsa-2048.bin",
                        "key-rsa-2048.pem",
                        "app-16k.bin",
                        ImageSigner.builder()
                                .headerSize(0x200)
                                .padHeader(true)
                                .version(ImageVersion.parse("0.9.1+77"))),
                Arguments.of(
                        "img-rsa-3072.bin",
                        "key-rsa-3072.pem",
                        "app-16k.bin",
                        ImageSigner.builder()
                                .headerSize(0x400)
                                .padHeader(true)
                                .version(ImageVersion.parse("3.1.4"))
                                .securityCounter(42)),
                Arguments.of(
                        "img-ecdsa-p256-dep-hdr20.bin",
                        "key-ecdsa-p256.pem",
                        "app-zerohdr.bin",
                        ImageSigner.builder()
                                .headerSize(0x20)
                                .version(ImageVersion.parse("1.0.0"))
                                .dependencies(Dependency.parseList("(1,2.3.4+5)"))
                                .securityCounter(7)),
                Arguments.of(
                        "img-ecdsa-p256-padded-confirmed.bin",
                        "key-ecdsa-p256.pem",
                        "app-16k.bin",
                        ImageSigner.builder()
                                .headerSize(0x200)
                                .padHeader(true)
                                .version(ImageVersion.parse("1.2.3+5"))
                                .padding(ImageSigner.Padding.CONFIRM)
                                .trailer(SlotTrailer.forAlign(8))),
                Arguments.of(
                        "img-ecdsa-p256-padded-test.bin",
                        "key-ecdsa-p256.pem",
                        "app-16k.bin",
                        ImageSigner.builder()
                                .headerSize(0x200)
                                .padHeader(true)
                                .version(ImageVersion.parse("1.2.3+6"))
                                .padding(ImageSigner.Padding.TEST)
                                .trailer(SlotTrailer.forAlign(4))));
    }

    @ParameterizedTest
    @MethodSource("randomizedSignatureVectors")
    void everythingButTheSignatureMatchesImgtool(
            String vector, String key, String input, ImageSigner.Builder b) throws Exception {
        SigningKey sk = signingKey(key);
        byte[] ours = sign(b.slotSize(0x20000).signer(sk), input);
        byte[] theirs = Vectors.bytes(vector);
        assertThat(withoutSignature(ours)).isEqualTo(withoutSignature(theirs));
        ImageVerifier.trusting(sk.verificationKey()).verify(ImageSource.of(ours));
    }

    @Test
    void encryptionRoundTripsForEveryKeyType() throws Exception {
        SigningKey sk = SigningKey.generate(KeyType.ECDSA_P256);
        for (String enc : List.of("key-enc-p256.pem", "key-x25519.pem", "key-rsa-2048.pem")) {
            for (int bits : new int[] {128, 256}) {
                DecryptionKey dk = DecryptionKey.fromPem(Vectors.text(enc), null);
                byte[] img =
                        sign(
                                ImageSigner.builder()
                                        .headerSize(0x200)
                                        .padHeader(true)
                                        .version(ImageVersion.parse("1.0.0"))
                                        .signer(sk)
                                        .encryptFor(dk.encryptionKey(), bits),
                                "app-16k.bin");
                byte[] body = Arrays.copyOfRange(img, 0x200, 0x200 + 16384);
                assertThat(body).isNotEqualTo(Vectors.bytes("app-16k.bin"));
                ImageVerifier.trusting(sk.verificationKey())
                        .withDecryptionKey(dk)
                        .verify(ImageSource.of(img));
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ImageDecryptor.decrypt(ImageSource.of(img), dk, out, true);
                assertThat(out.toByteArray()).isEqualTo(Vectors.bytes("app-16k.bin"));
            }
        }
    }

    @Test
    void aesKeyWrapRoundTrips() throws Exception {
        byte[] kek = new byte[16];
        new java.security.SecureRandom().nextBytes(kek);
        DecryptionKey dk = DecryptionKey.aesKeyWrap(kek);
        byte[] img =
                sign(
                        ImageSigner.builder()
                                .headerSize(0x200)
                                .padHeader(true)
                                .version(ImageVersion.parse("1.0.0"))
                                .encryptFor(dk.encryptionKey(), 128),
                        "app-16k.bin");
        VerifiedImage v =
                ImageVerifier.hashOnly().withDecryptionKey(dk).verify(ImageSource.of(img));
        assertThat(v.encrypted()).isTrue();
        assertThat(
                        ParsedImage.parse(ImageSource.of(img))
                                .first(TlvType.ENC_KW)
                                .get()
                                .tlv()
                                .length())
                .isEqualTo(24);
    }

    static SigningKey signingKey(String name) {
        return SigningKey.fromPem(Vectors.text(name), null);
    }

    static byte[] sign(ImageSigner.Builder b, String input) throws Exception {
        byte[] in = Vectors.bytes(input);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        b.build().sign(new ByteArrayInputStream(in), in.length, out, n -> {});
        return out.toByteArray();
    }

    /**
     * The image minus the signature TLV's value, the TLV-area length and the erased padding before
     * the trailer.
     */
    static byte[] withoutSignature(byte[] image) throws Exception {
        ParsedImage p = ParsedImage.parse(ImageSource.of(image));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long tlvArea = p.header().hashedLength();
        out.write(image, 0, (int) tlvArea + 2);
        for (TlvEntry e : p.tlvs()) {
            out.write(e.type());
            if (!TlvType.isSignature(e.type())) out.write(e.tlv().value());
        }
        // Padding length depends on the signature's DER length; the slot length and trailer content
        // must match.
        int tail = (int) p.end();
        while (tail < image.length && image[tail] == (byte) 0xFF) tail++;
        out.write(image, tail, image.length - tail);
        if (p.end() < image.length)
            out.write(java.nio.ByteBuffer.allocate(4).putInt(image.length).array());
        return out.toByteArray();
    }
}
