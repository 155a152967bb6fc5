package dev.meerkat.image;

import java.security.Key;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.security.Signature;
import java.util.Iterator;
import java.util.ServiceLoader;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * The providers and primitives shared by the image code; the provider is passed explicitly, never
 * installed globally.
 */
final class Crypto {
    private Crypto() {}

    /**
     * Bouncy Castle, created on first use: registering its algorithms costs a few hundred
     * milliseconds of a command-line run, and P-256 and Ed25519 keys read from PKCS#8/SPKI PEM
     * never need it.
     */
    static Provider bc() {
        return BcHolder.PROVIDER;
    }

    private static final class BcHolder {
        static final Provider PROVIDER = new BouncyCastleProvider();
    }

    /**
     * The JDK's EC provider (ECDSA, Ed25519), found without the JCA's lookup by name: that lookup
     * asks {@link ServiceLoader} for every provider module and instantiates each one it passes
     * (SASL, PKCS#11, XML signature) until it reaches SunEC, 10-15 ms of a short command-line run.
     * Only the providers' class names are compared here, and only SunEC is instantiated.
     */
    static Provider jdkEc() {
        return JdkEcHolder.PROVIDER;
    }

    private static final class JdkEcHolder {
        static final Provider PROVIDER = find();

        private static Provider find() {
            Iterator<ServiceLoader.Provider<Provider>> it =
                    ServiceLoader.load(ModuleLayer.boot(), Provider.class).stream().iterator();
            while (it.hasNext()) {
                ServiceLoader.Provider<Provider> p = it.next();
                if (p.type().getName().equals("sun.security.ec.SunEC")) return p.get();
            }
            Provider p = Security.getProvider("SunEC");
            if (p == null) throw new IllegalStateException("the JDK's SunEC provider is missing");
            return p;
        }
    }

    /**
     * A signature engine for {@code key}: Bouncy Castle's for its own key objects, SunEC's for the
     * JDK's EC and EdDSA keys and for {@link NamedCurveKeys}, and otherwise whichever provider
     * takes the key (a PKCS#11 token's).
     */
    static Signature signatureFor(String algorithm, Key key) throws NoSuchAlgorithmException {
        String type = key.getClass().getName();
        if (type.startsWith("org.bouncycastle.")) return Signature.getInstance(algorithm, bc());
        if (type.startsWith("sun.security.ec.") || key instanceof NamedCurveKeys.Base)
            return Signature.getInstance(algorithm, jdkEc());
        return Signature.getInstance(algorithm);
    }

    static MessageDigest sha256() {
        try {
            // The JDK's own implementation uses the CPU's SHA extensions where present.
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    static byte[] sha256(byte[] data) {
        return sha256().digest(data);
    }

    static SecureRandom random() {
        return new SecureRandom();
    }
}
