package dev.meerkat.fwzip;

import dev.meerkat.fwzip.FwZipException.Problem;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.HexFormat;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * ECDSA P-256 keys for fw.zip signatures: PEM loading (PKCS#8 {@code PRIVATE KEY}, SEC1 {@code EC
 * PRIVATE KEY}, SPKI {@code PUBLIC KEY}, or an X.509 certificate), signing and verification.
 */
public final class FwKeys {
  private FwKeys() {}

  private static final int MAX_PEM = 64 * 1024;
  private static final ECParameterSpec P256 = p256();
  private static final X9ECParameters P256_BC = ECNamedCurveTable.getByName("secp256r1");

  private static ECParameterSpec p256() {
    try {
      AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
      p.init(new ECGenParameterSpec("secp256r1"));
      return p.getParameterSpec(ECParameterSpec.class);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks secp256r1", e);
    }
  }

  /** Reads a private key from a PEM file. */
  public static PrivateKey readPrivateKey(Path pem) throws FwZipException {
    Object o = readPem(pem, true);
    if (o instanceof PrivateKey k) {
      return checkP256(k, pem.toString());
    }
    throw new FwZipException(Problem.BAD_KEY, pem + ": no private key found (found a public key)");
  }

  /** Reads a public key from a PEM file; a private key or certificate is also accepted. */
  public static PublicKey readPublicKey(Path pem) throws FwZipException {
    Object o = readPem(pem, false);
    if (o instanceof PublicKey k) {
      return checkP256(k, pem.toString());
    }
    return publicKey(checkP256((PrivateKey) o, pem.toString()));
  }

  /** Parses PEM text holding a private key. */
  public static PrivateKey parsePrivateKey(String pem) throws FwZipException {
    Object o = parsePem(new StringReader(pem), "PEM text", true);
    if (o instanceof PrivateKey k) {
      return checkP256(k, "PEM text");
    }
    throw new FwZipException(Problem.BAD_KEY, "PEM text holds no private key");
  }

  /** Parses PEM text holding a public key, a private key or a certificate. */
  public static PublicKey parsePublicKey(String pem) throws FwZipException {
    Object o = parsePem(new StringReader(pem), "PEM text", false);
    if (o instanceof PublicKey k) {
      return checkP256(k, "PEM text");
    }
    return publicKey(checkP256((PrivateKey) o, "PEM text"));
  }

  private static Object readPem(Path pem, boolean wantPrivate) throws FwZipException {
    String text;
    try {
      if (Files.size(pem) > MAX_PEM) {
        throw new FwZipException(Problem.BAD_KEY, pem + ": file is too large for a PEM key");
      }
      text = Files.readString(pem, StandardCharsets.US_ASCII);
    } catch (FwZipException e) {
      throw e;
    } catch (IOException e) {
      throw new FwZipException(Problem.BAD_KEY, pem + ": cannot read key file ("
          + e.getClass().getSimpleName() + ": " + e.getMessage() + ")", e);
    }
    return parsePem(new StringReader(text), pem.toString(), wantPrivate);
  }

  /** Returns the first usable key object: a PrivateKey (preferred when asked) or a PublicKey. */
  private static Object parsePem(Reader r, String where, boolean wantPrivate)
      throws FwZipException {
    JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
    Object publicFound = null;
    try (PEMParser p = new PEMParser(r)) {
      for (int i = 0; i < 16; i++) {
        Object o = p.readObject();
        if (o == null) {
          break;
        }
        if (o instanceof PEMKeyPair kp) {
          return conv.getPrivateKey(kp.getPrivateKeyInfo());
        } else if (o instanceof PrivateKeyInfo pki) {
          return conv.getPrivateKey(pki);
        } else if (o instanceof SubjectPublicKeyInfo spki) {
          publicFound = conv.getPublicKey(spki);
        } else if (o instanceof X509CertificateHolder cert) {
          publicFound = conv.getPublicKey(cert.getSubjectPublicKeyInfo());
        } else if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
          throw new FwZipException(Problem.BAD_KEY,
              where + ": encrypted private keys are not supported; decrypt it first");
        }
        if (publicFound != null && !wantPrivate) {
          return publicFound;
        }
      }
    } catch (FwZipException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new FwZipException(Problem.BAD_KEY, where + ": not a valid PEM key ("
          + FwManifest.firstLine(e.getMessage()) + ")", e);
    }
    if (publicFound != null) {
      return publicFound;
    }
    throw new FwZipException(Problem.BAD_KEY, where + ": no PEM key found");
  }

  private static <K extends java.security.Key> K checkP256(K key, String where)
      throws FwZipException {
    ECParameterSpec spec = key instanceof ECPrivateKey pk ? pk.getParams()
        : key instanceof ECPublicKey pub ? pub.getParams() : null;
    if (spec == null) {
      throw new FwZipException(Problem.BAD_KEY, where + ": " + key.getAlgorithm()
          + " key found, but fw.zip signatures need an ECDSA P-256 key");
    }
    if (!spec.getOrder().equals(P256.getOrder()) || !spec.getCurve().equals(P256.getCurve())
        || !spec.getGenerator().equals(P256.getGenerator())) {
      throw new FwZipException(Problem.BAD_KEY, where
          + ": EC key is not on curve P-256 (secp256r1), the only curve fw.zip signatures use");
    }
    return key;
  }

  /** The public key of a P-256 private key. */
  public static PublicKey publicKey(PrivateKey privateKey) throws FwZipException {
    ECPrivateKey k = (ECPrivateKey) checkP256(privateKey, "private key");
    var q = P256_BC.getG().multiply(k.getS()).normalize();
    ECPoint w = new ECPoint(q.getAffineXCoord().toBigInteger(),
        q.getAffineYCoord().toBigInteger());
    try {
      return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(w, P256));
    } catch (GeneralSecurityException e) {
      throw new FwZipException(Problem.BAD_KEY, "cannot derive the public key", e);
    }
  }

  /** A fresh P-256 key pair (for tests and tooling). */
  public static KeyPair generate() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Signs {@code manifest} as {@code mos} does: ECDSA over SHA-256, DER output. */
  public static byte[] sign(PrivateKey key, byte[] manifest) throws FwZipException {
    checkP256(key, "signing key");
    try {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initSign(key);
      s.update(manifest);
      return s.sign();
    } catch (GeneralSecurityException e) {
      throw new FwZipException(Problem.BAD_KEY, "signing failed: " + e.getMessage(), e);
    }
  }

  /** True if {@code der} is a valid signature of {@code manifest} by {@code key}. */
  public static boolean verify(PublicKey key, byte[] manifest, byte[] der) {
    try {
      Signature s = Signature.getInstance("SHA256withECDSA");
      s.initVerify(key);
      s.update(manifest);
      return s.verify(der);
    } catch (SignatureException | InvalidKeyException | RuntimeException e) {
      return false;
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** Short identifier of a public key: first 16 hex digits of SHA-256 over its SPKI encoding. */
  public static String fingerprint(PublicKey key) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

}
