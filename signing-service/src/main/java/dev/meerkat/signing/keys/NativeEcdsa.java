package dev.meerkat.signing.keys;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import org.conscrypt.Conscrypt;
import org.jboss.logging.Logger;

/**
 * ECDSA signing through BoringSSL (Conscrypt's native library, shipped inside its jar): about six
 * times the signatures per core of Bouncy Castle. Where the native library cannot load (another
 * platform), signing falls back to the provider given, with one warning. Signatures are DER encoded
 * either way, so callers and verifiers see no difference.
 */
final class NativeEcdsa {
    private static final Logger LOG = Logger.getLogger(NativeEcdsa.class);

    private final Provider provider;
    private final boolean nativeCode;

    private NativeEcdsa(Provider provider, boolean nativeCode) {
        this.provider = provider;
        this.nativeCode = nativeCode;
    }

    /** BoringSSL if its native library loads here, else {@code fallback}. */
    static NativeEcdsa orElse(Provider fallback) {
        Throwable why;
        try {
            Conscrypt.checkAvailability();
            return new NativeEcdsa(Conscrypt.newProvider(), true);
        } catch (LinkageError | RuntimeException e) {
            why = e;
        }
        LOG.warnf(
                "BoringSSL (Conscrypt) is not available on this platform, ECDSA signs with %s: %s",
                fallback.getName(), why);
        return new NativeEcdsa(fallback, false);
    }

    /** True when signatures are made by BoringSSL. */
    boolean nativeCode() {
        return nativeCode;
    }

    /**
     * The key in this engine's form, converted once when a key is first used (not per signature).
     * The PKCS#8 bytes used for the conversion are wiped.
     */
    PrivateKey adopt(PrivateKey key) {
        if (!nativeCode) return key;
        byte[] pkcs8 = key.getEncoded();
        if (pkcs8 == null) return key;
        try {
            return KeyFactory.getInstance("EC", provider)
                    .generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "cannot hand the key to BoringSSL: " + e.getMessage(), e);
        } finally {
            Arrays.fill(pkcs8, (byte) 0);
        }
    }

    /** A new signer over a precomputed digest (DER output); one per thread. */
    Signature newSigner() {
        try {
            return Signature.getInstance("NONEwithECDSA", provider);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
