package dev.meerkat.signing.keys;

import dev.meerkat.image.KeyType;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.SignatureException;
import java.security.SignatureSpi;

/**
 * A JCA provider offering {@code SHA256withECDSA} for {@link BackendKeyRef}s only: the data is
 * hashed here and the digest signed inside the key's backend. It claims no other keys, so it never
 * takes work from the JDK's providers.
 */
public final class BackendSignatureProvider extends Provider {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "MeerkatKeyBackends";

    public BackendSignatureProvider() {
        super(NAME, "1.0", "Signatures by keys held in Meerkat key backends");
        putService(
                new Service(this, "Signature", "SHA256withECDSA", Spi.class.getName(), null, null) {
                    @Override
                    public Object newInstance(Object constructorParameter) {
                        return new Spi();
                    }

                    @Override
                    public boolean supportsParameter(Object parameter) {
                        return parameter instanceof BackendKeyRef;
                    }
                });
    }

    /** Registers this provider first (replacing an earlier registration). */
    public static synchronized void install() {
        Security.removeProvider(NAME);
        Security.insertProviderAt(new BackendSignatureProvider(), 1);
    }

    /** SHA-256 here, ECDSA in the backend. */
    public static final class Spi extends SignatureSpi {
        private BackendKeyRef key;
        private final MessageDigest sha256;

        public Spi() {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
            throw new InvalidKeyException("verify with the public key and a JDK provider");
        }

        @Override
        protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
            if (!(privateKey instanceof BackendKeyRef ref))
                throw new InvalidKeyException("not a key backend reference");
            key = ref;
            sha256.reset();
        }

        @Override
        protected void engineUpdate(byte b) {
            sha256.update(b);
        }

        @Override
        protected void engineUpdate(byte[] b, int off, int len) {
            sha256.update(b, off, len);
        }

        @Override
        protected byte[] engineSign() throws SignatureException {
            if (key == null) throw new SignatureException("not initialised for signing");
            try {
                return key.backend().sign(key.alias(), KeyType.ECDSA_P256, sha256.digest());
            } catch (RuntimeException e) {
                throw new SignatureException(e.getMessage(), e);
            }
        }

        @Override
        protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
            throw new SignatureException("this provider only signs");
        }

        @Override
        @Deprecated
        protected void engineSetParameter(String param, Object value) {
            throw new InvalidParameterException("no parameters");
        }

        @Override
        @Deprecated
        protected Object engineGetParameter(String param) {
            throw new InvalidParameterException("no parameters");
        }
    }
}
