package dev.meerkat.fleet.audit;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.jce.spec.ECNamedCurveParameterSpec;
import org.bouncycastle.jce.spec.ECPublicKeySpec;

/**
 * The fleet service's audit checkpoint key: an ECDSA P-256 private key in a PKCS#8 PEM file (for
 * example {@code openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256}). Replicas share
 * one file (a Kubernetes Secret); when the file does not exist, one is created (mode 0600), and of
 * two replicas creating it at once, the first to link it wins and both use it.
 */
final class CheckpointKey {
    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String id;

    private CheckpointKey(PrivateKey privateKey, PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        try {
            this.id =
                    "fleet-audit-"
                            + HexFormat.of()
                                    .formatHex(
                                            MessageDigest.getInstance("SHA-256")
                                                    .digest(publicKey.getEncoded()))
                                    .substring(0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static CheckpointKey loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) create(file);
        return load(file);
    }

    static CheckpointKey load(Path file) throws IOException {
        String pem = Files.readString(file, StandardCharsets.US_ASCII);
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IOException(file + ": no PKCS#8 'PRIVATE KEY' PEM block");
        }
        byte[] der =
                Base64.getMimeDecoder()
                        .decode(pem.substring(begin + 27, end).replaceAll("\\s", ""));
        try {
            PrivateKey key =
                    KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
            if (!(key instanceof ECPrivateKey ec)
                    || ec.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new IOException(file + ": not an EC P-256 private key");
            }
            return new CheckpointKey(key, publicOf(ec.getS()));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not an EC P-256 private key: " + e.getMessage(), e);
        }
    }

    private static PublicKey publicOf(BigInteger s) throws GeneralSecurityException {
        ECNamedCurveParameterSpec p256 = ECNamedCurveTable.getParameterSpec("secp256r1");
        PublicKey bc =
                KeyFactory.getInstance("EC", new BouncyCastleProvider())
                        .generatePublic(
                                new ECPublicKeySpec(p256.getG().multiply(s).normalize(), p256));
        return KeyFactory.getInstance("EC")
                .generatePublic(new java.security.spec.X509EncodedKeySpec(bc.getEncoded()));
    }

    private static void create(Path file) throws IOException {
        byte[] der;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            der = g.generateKeyPair().getPrivate().getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        String pem =
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(der)
                        + "\n-----END PRIVATE KEY-----\n";
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp =
                Files.createTempFile(
                        dir,
                        ".checkpoint-key",
                        ".tmp",
                        PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
            try (var ch =
                    java.nio.channels.FileChannel.open(
                            tmp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.createLink(file, tmp);
        } catch (FileAlreadyExistsException raced) {
            // another replica created it first: use that one
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    String id() {
        return id;
    }

    String publicPem() {
        return "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(publicKey.getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    String sign(byte[] message) {
        try {
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(privateKey);
            s.update(message);
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
