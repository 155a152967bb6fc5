package dev.meerkat.fwzip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.fwzip.FwZipException.Problem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.util.Base64;
import java.util.List;
import java.util.OptionalInt;
import java.util.zip.CRC32;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FwSigningTest {
    @TempDir Path tmp;

    static final KeyPair A = FwKeys.generate();
    static final KeyPair B = FwKeys.generate();

    @Test
    void signedBundleVerifiesWithTheRightKey() throws Exception {
        Path out = TestBundles.write(tmp, "fw.zip", FwBundle.Layout.ROOT, A.getPrivate());
        try (FwBundle b = FwBundle.open(out)) {
            assertThat(b.signatures()).extracting(FwSignature::slot).containsExactly(0);
            FwVerification v = b.verify(List.of(B.getPublic(), A.getPublic()), true);
            assertThat(v.valid()).isTrue();
            assertThat(v.signatures())
                    .singleElement()
                    .satisfies(
                            s -> {
                                assertThat(s.matchedKey()).isEqualTo(1);
                                assertThat(s.keyFingerprint())
                                        .isEqualTo(FwKeys.fingerprint(A.getPublic()));
                            });
        }
    }

    @Test
    void signedBundleFailsWithAWrongKey() throws Exception {
        Path out = TestBundles.write(tmp, "fw.zip", FwBundle.Layout.DIRECTORY, A.getPrivate());
        try (FwBundle b = FwBundle.open(out)) {
            FwVerification v = b.verify(List.of(B.getPublic()), false);
            assertThat(v.valid()).isFalse();
            assertThat(v.problems()).singleElement().asString().contains("matches");
            assertThat(v.parts()).allMatch(FwVerification.PartResult::ok);
        }
    }

    @Test
    void requiringASignatureWithoutKeysIsInvalid() throws Exception {
        Path out = TestBundles.write(tmp, "fw.zip", FwBundle.Layout.ROOT, A.getPrivate());
        try (FwBundle b = FwBundle.open(out)) {
            assertThat(b.verify(List.of(), true).valid()).isFalse();
            assertThat(b.verify(List.of(), false).valid()).isTrue();
        }
    }

    @Test
    void signatureFieldIsStoredAsMosDoes() throws Exception {
        Path out =
                TestBundles.write(
                        tmp, "fw.zip", FwBundle.Layout.ROOT, A.getPrivate(), B.getPrivate());
        byte[] zip = Files.readAllBytes(out);
        ByteBuffer bb = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int nameLen = bb.getShort(26);
        int extraLen = bb.getShort(28);
        assertThat(new String(zip, 30, nameLen, StandardCharsets.US_ASCII))
                .isEqualTo("manifest.json");
        int x = 30 + nameLen;
        assertThat(zip[x] & 0xff).isEqualTo(0x3a);
        assertThat(zip[x + 1] & 0xff).isEqualTo(0x29);
        int len = bb.getShort(x + 2) & 0xffff;
        assertThat(len).isEqualTo(extraLen - 4);
        String json = new String(zip, x + 4, len, StandardCharsets.US_ASCII);
        assertThat(json).matches("\\{\"sig0\":\"[A-Za-z0-9+/=]+\",\"sig1\":\"[A-Za-z0-9+/=]+\"}");
        // The same field is in the central directory entry of the manifest.
        String all = new String(zip, StandardCharsets.ISO_8859_1);
        assertThat(all.indexOf(json, x + 4 + len)).isPositive();
        try (FwBundle b = FwBundle.open(out)) {
            byte[] der = Base64.getDecoder().decode(json.substring(9, json.indexOf('"', 9)));
            assertThat(b.signatures().get(0).der()).isEqualTo(der);
            assertThat(FwKeys.verify(A.getPublic(), b.manifestBytes(), der)).isTrue();
            assertThat(b.verify(List.of(B.getPublic()), true).valid()).isTrue();
        }
    }

    @Test
    void modifiedManifestFailsTheSignature() throws Exception {
        Path out = TestBundles.write(tmp, "fw.zip", FwBundle.Layout.ROOT, A.getPrivate());
        Path evil = tmp.resolve("evil.zip");
        try (FwBundle b = FwBundle.open(out)) {
            byte[] m =
                    new String(b.manifestBytes(), StandardCharsets.US_ASCII)
                            .replace("test bundle", "evil bundle")
                            .getBytes(StandardCharsets.US_ASCII);
            // Rebuild a structurally perfect archive carrying the old signature field.
            ZipRecord mr = b.manifestRecord();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            ZipWriter zw = new ZipWriter(buf);
            CRC32 crc = new CRC32();
            crc.update(m);
            zw.addEntry(
                    "manifest.json",
                    0,
                    0,
                    0,
                    0x21,
                    crc.getValue(),
                    m.length,
                    m.length,
                    mr.localExtra(),
                    mr.centralExtra(),
                    new ByteArrayInputStream(m));
            for (ZipRecord r : b.zip().records().subList(1, 3)) {
                try (InputStream in = b.zip().openRaw(r)) {
                    zw.addEntry(
                            r.name(),
                            0,
                            0,
                            0,
                            0x21,
                            r.entry().crc32(),
                            r.entry().size(),
                            r.entry().size(),
                            new byte[0],
                            new byte[0],
                            in);
                }
            }
            zw.finish();
            Files.write(evil, buf.toByteArray());
        }
        try (FwBundle b = FwBundle.open(evil)) {
            assertThat(b.signatures()).hasSize(1);
            assertThat(b.manifest().description()).isEqualTo("evil bundle");
            FwVerification v = b.verify(List.of(A.getPublic()), true);
            assertThat(v.parts()).allMatch(FwVerification.PartResult::ok);
            assertThat(v.signatures()).singleElement().matches(s -> !s.matched());
            assertThat(v.valid()).isFalse();
        }
    }

    @Test
    void modifiedPartFailsVerification() throws Exception {
        Path out = TestBundles.write(tmp, "fw.zip", FwBundle.Layout.ROOT, A.getPrivate());
        byte[] zip = Files.readAllBytes(out);
        long off;
        try (FwBundle b = FwBundle.open(out)) {
            off = b.partEntry("fs").orElseThrow().dataOffset();
        }
        zip[(int) off + 7] ^= (byte) 0x80;
        Files.write(out, zip);
        try (FwBundle b = FwBundle.open(out)) {
            FwVerification v = b.verify(List.of(A.getPublic()), true);
            assertThat(v.signatureMatched()).isTrue();
            assertThat(v.valid()).isFalse();
            assertThat(v.parts().get(1).ok()).isFalse();
        }
    }

    @Test
    void addSignatureKeepsExistingSignaturesAndData() throws Exception {
        Path out = TestBundles.write(tmp, "fw.zip", FwBundle.Layout.DIRECTORY);
        byte[] before;
        try (FwBundle b = FwBundle.open(out)) {
            before = b.manifestBytes();
        }
        FwSignature s0 = FwBundleWriter.addSignature(out, A.getPrivate(), OptionalInt.empty());
        FwSignature s3 = FwBundleWriter.addSignature(out, B.getPrivate(), OptionalInt.of(3));
        assertThat(s0.slot()).isZero();
        assertThat(s3.slot()).isEqualTo(3);
        try (FwBundle b = FwBundle.open(out)) {
            assertThat(b.manifestBytes()).isEqualTo(before);
            assertThat(b.signatures()).containsExactly(s0, s3);
            assertThat(b.verify(List.of(A.getPublic()), true).valid()).isTrue();
            assertThat(b.verify(List.of(B.getPublic()), true).valid()).isTrue();
        }
        assertThatThrownBy(
                        () -> FwBundleWriter.addSignature(out, A.getPrivate(), OptionalInt.of(3)))
                .isInstanceOf(FwZipException.class)
                .hasMessageContaining("already used");
        try (var s = Files.list(tmp)) {
            assertThat(s).hasSize(1);
        }
    }

    @Test
    void addSignatureSignsTheVectorWithoutTouchingItsManifest() throws Exception {
        Path copy = tmp.resolve("v.zip");
        Files.copy(Vectors.mongoose("demo-app-esp32-1.4.2.zip"), copy);
        FwBundleWriter.addSignature(copy, A.getPrivate(), OptionalInt.empty());
        try (FwBundle b = FwBundle.open(copy)) {
            assertThat(b.layout()).isEqualTo(FwBundle.Layout.DIRECTORY);
            assertThat(b.manifestBytes())
                    .isEqualTo(
                            Files.readAllBytes(Vectors.mongoose("demo-app-1.4.2.manifest.json")));
            assertThat(b.verify(List.of(A.getPublic()), true).valid()).isTrue();
        }
    }

    @Test
    void readsPemKeysInAllAcceptedForms() throws Exception {
        KeyPair kp = FwKeys.generate();
        String sec1 = sec1(kp);
        assertThat(sec1).contains("BEGIN EC PRIVATE KEY");
        String pkcs8 = pem(new JcaPKCS8Generator(kp.getPrivate(), null));
        assertThat(pkcs8).contains("BEGIN PRIVATE KEY");
        String spki = pem(kp.getPublic());
        assertThat(spki).contains("BEGIN PUBLIC KEY");

        for (String priv :
                List.of(
                        sec1,
                        pkcs8,
                        "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n"
                                + "-----END EC PARAMETERS-----\n"
                                + sec1)) {
            byte[] sig = FwKeys.sign(FwKeys.parsePrivateKey(priv), new byte[] {1, 2, 3});
            assertThat(FwKeys.verify(kp.getPublic(), new byte[] {1, 2, 3}, sig)).isTrue();
            PublicKey derived = FwKeys.parsePublicKey(priv);
            assertThat(derived.getEncoded()).isEqualTo(kp.getPublic().getEncoded());
        }
        assertThat(FwKeys.parsePublicKey(spki).getEncoded()).isEqualTo(kp.getPublic().getEncoded());
        assertThatThrownBy(() -> FwKeys.parsePrivateKey(spki)).isInstanceOf(FwZipException.class);
    }

    @Test
    void readsTheImgtoolP256KeyAndRejectsOtherKeyTypes() throws Exception {
        Path vectors = Vectors.mongoose("fs.img").getParent().getParent().resolve("mcuboot");
        Path p256 = vectors.resolve("key-ecdsa-p256.pem");
        assertThat(FwKeys.readPrivateKey(p256)).isNotNull();
        assertThat(FwKeys.readPublicKey(p256)).isNotNull();
        assertThatThrownBy(() -> FwKeys.readPrivateKey(vectors.resolve("key-ed25519.pem")))
                .isInstanceOf(FwZipException.class)
                .extracting(e -> ((FwZipException) e).problem())
                .isEqualTo(Problem.BAD_KEY);
        assertThatThrownBy(() -> FwKeys.readPrivateKey(vectors.resolve("key-rsa-2048.pem")))
                .isInstanceOf(FwZipException.class)
                .hasMessageContaining("P-256");
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp384r1"));
        String p384 = sec1(g.generateKeyPair());
        assertThat(p384).contains("BEGIN EC PRIVATE KEY");
        assertThatThrownBy(() -> FwKeys.parsePrivateKey(p384))
                .isInstanceOf(FwZipException.class)
                .hasMessageContaining("P-256");
        assertThatThrownBy(() -> FwKeys.readPrivateKey(tmp.resolve("none.pem")))
                .isInstanceOf(FwZipException.class)
                .hasMessageContaining("none.pem");
        assertThatThrownBy(() -> FwKeys.parsePrivateKey("garbage"))
                .isInstanceOf(FwZipException.class);
    }

    /** SEC1 "EC PRIVATE KEY" with named-curve parameters, as openssl ecparam -genkey writes. */
    static String sec1(KeyPair kp) throws Exception {
        PrivateKeyInfo pki = PrivateKeyInfo.getInstance(kp.getPrivate().getEncoded());
        ASN1Encodable params = pki.getPrivateKeyAlgorithm().getParameters();
        org.bouncycastle.asn1.sec.ECPrivateKey inner =
                org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(pki.parsePrivateKey());
        DERBitString pub =
                new DERBitString(
                        SubjectPublicKeyInfo.getInstance(kp.getPublic().getEncoded())
                                .getPublicKeyData()
                                .getBytes());
        int bits =
                ((java.security.interfaces.ECPrivateKey) kp.getPrivate())
                        .getParams()
                        .getOrder()
                        .bitLength();
        byte[] der =
                new org.bouncycastle.asn1.sec.ECPrivateKey(bits, inner.getKey(), pub, params)
                        .getEncoded();
        return pem(new PemObject("EC PRIVATE KEY", der));
    }

    static String pem(Object o) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }
}
