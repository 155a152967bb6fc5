package dev.meerkat.cli;

import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.image.SourceArrays;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * imgtool's {@code getpriv}: the private key as a C array for a bootloader that decrypts images.
 * The bytes are the DER imgtool writes (PKCS#8, or the traditional OpenSSL form), and {@code
 * --minimal} drops the same parts.
 */
@Command(
        name = "getpriv",
        mixinStandardHelpOptions = true,
        description = {
            "Print the private key as a C array (enc_priv_key) for a bootloader that decrypts images.",
            "Same bytes as imgtool getpriv: EC P-256 and X25519 as PKCS#8 (EC also -f openssl), RSA as PKCS#1.",
            "--minimal leaves out the EC public point, or the RSA CRT values."
        })
final class GetprivCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(
            names = {"-k", "--key"},
            required = true,
            paramLabel = "FILE",
            description = "Private key PEM.")
    Path keyFile;

    @Option(
            names = "--minimal",
            description = "Only what decryption needs (may need a matching bootloader build).")
    boolean minimal;

    @Option(
            names = {"-f", "--format"},
            paramLabel = "openssl|pkcs8",
            description = "DER form; default pkcs8 for EC and X25519, openssl for RSA.")
    String format;

    @Override
    public Integer call() throws Exception {
        if (format != null && !format.equals("openssl") && !format.equals("pkcs8")) {
            throw CliException.usage("-f must be openssl or pkcs8");
        }
        PrivateKeyInfo pki = privateKeyInfo(keyFile);
        byte[] der = der(pki);
        var out = spec.commandLine().getOut();
        out.print(SourceArrays.c(GetpubCommand.NOTICE, "enc_priv_key", der, true));
        out.flush();
        return ExitCode.OK;
    }

    private byte[] der(PrivateKeyInfo pki) throws IOException {
        ASN1ObjectIdentifier alg = pki.getPrivateKeyAlgorithm().getAlgorithm();
        if (alg.equals(X9ObjectIdentifiers.id_ecPublicKey)) {
            ECPrivateKey ec = ECPrivateKey.getInstance(pki.parsePrivateKey());
            if (!X9ObjectIdentifiers.prime256v1.equals(
                    pki.getPrivateKeyAlgorithm().getParameters())) {
                throw CliException.usage(
                        keyFile + ": only P-256 EC keys decrypt images (ENC_EC256)");
            }
            var point = minimal ? null : ec.getPublicKey();
            if ("openssl".equals(format)) {
                // Traditional OpenSSL form: the curve named inside, as imgtool's cryptography
                // writes it.
                return new ECPrivateKey(256, ec.getKey(), point, X9ObjectIdentifiers.prime256v1)
                        .getEncoded(ASN1Encoding.DER);
            }
            ECPrivateKey inner = new ECPrivateKey(256, ec.getKey(), point, null);
            return new PrivateKeyInfo(
                            new AlgorithmIdentifier(
                                    X9ObjectIdentifiers.id_ecPublicKey,
                                    X9ObjectIdentifiers.prime256v1),
                            inner)
                    .getEncoded(ASN1Encoding.DER);
        }
        if (alg.equals(PKCSObjectIdentifiers.rsaEncryption)) {
            if ("pkcs8".equals(format))
                throw CliException.usage("rsa does not support pkcs8 (imgtool: openssl only)");
            RSAPrivateKey rsa = RSAPrivateKey.getInstance(pki.parsePrivateKey());
            if (!minimal) return rsa.getEncoded(ASN1Encoding.DER);
            // imgtool --minimal keeps version, N, E, D, P, Q and drops the CRT values.
            var v = new org.bouncycastle.asn1.ASN1EncodableVector();
            v.add(new org.bouncycastle.asn1.ASN1Integer(0));
            v.add(new org.bouncycastle.asn1.ASN1Integer(rsa.getModulus()));
            v.add(new org.bouncycastle.asn1.ASN1Integer(rsa.getPublicExponent()));
            v.add(new org.bouncycastle.asn1.ASN1Integer(rsa.getPrivateExponent()));
            v.add(new org.bouncycastle.asn1.ASN1Integer(rsa.getPrime1()));
            v.add(new org.bouncycastle.asn1.ASN1Integer(rsa.getPrime2()));
            return new org.bouncycastle.asn1.DERSequence(v).getEncoded(ASN1Encoding.DER);
        }
        if (alg.equals(EdECObjectIdentifiers.id_X25519)) {
            if ("openssl".equals(format))
                throw CliException.usage("x25519 does not support openssl (imgtool: pkcs8 only)");
            return new PrivateKeyInfo(
                            new AlgorithmIdentifier(EdECObjectIdentifiers.id_X25519),
                            pki.parsePrivateKey())
                    .getEncoded(ASN1Encoding.DER);
        }
        if (alg.equals(EdECObjectIdentifiers.id_Ed25519)) {
            throw CliException.usage(
                    "ed25519 keys cannot decrypt images, so there is no private key to embed"
                            + " (imgtool refuses too)");
        }
        throw CliException.usage(keyFile + ": unsupported private key algorithm " + alg);
    }

    /**
     * The key as PKCS#8 structure; password-protected files go through the usual password handling.
     */
    private static PrivateKeyInfo privateKeyInfo(Path file) throws IOException {
        String pem = KeyFiles.read(file);
        Object obj;
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            obj = p.readObject();
        }
        if (obj instanceof PrivateKeyInfo pki) return pki;
        if (obj instanceof PEMKeyPair kp) return kp.getPrivateKeyInfo();
        if (obj == null || obj instanceof org.bouncycastle.asn1.x509.SubjectPublicKeyInfo) {
            throw CliException.usage(file + ": not a private key");
        }
        // Encrypted: decrypt through the key loaders, which know where the password comes from.
        String clear;
        try {
            clear = KeyFiles.signingKey(file).toPem(null);
        } catch (CliException notSigning) {
            clear = KeyFiles.decryptionKey(file).toPem(null);
        }
        try (PEMParser p = new PEMParser(new StringReader(clear))) {
            return (PrivateKeyInfo) p.readObject();
        }
    }
}
