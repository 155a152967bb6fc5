package dev.meerkat.chip.jca;

import dev.meerkat.chip.ChipException;
import java.io.ByteArrayOutputStream;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.util.Arrays;

/**
 * ECDSA signing with a {@link ChipPrivateKey}; the chip signs a 32-byte digest. Verification is
 * left to other providers.
 */
public abstract class ChipSignature extends SignatureSpi {
    private ChipPrivateKey key;

    /** SHA256withECDSA: the host hashes, the chip signs the digest. */
    public static final class Sha256 extends ChipSignature {
        private final MessageDigest md;

        public Sha256() {
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        protected void update(byte[] b, int off, int len) {
            md.update(b, off, len);
        }

        @Override
        protected byte[] digest() {
            return md.digest();
        }

        @Override
        protected void reset() {
            md.reset();
        }
    }

    /**
     * NONEwithECDSA: the input is the digest (left-padded or truncated to 32 bytes as ECDSA
     * prescribes).
     */
    public static final class None extends ChipSignature {
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        @Override
        protected void update(byte[] b, int off, int len) {
            buffer.write(b, off, len);
        }

        @Override
        protected byte[] digest() {
            byte[] in = buffer.toByteArray();
            buffer.reset();
            if (in.length >= 32) return Arrays.copyOf(in, 32);
            byte[] out = new byte[32];
            System.arraycopy(in, 0, out, 32 - in.length, in.length);
            return out;
        }

        @Override
        protected void reset() {
            buffer.reset();
        }
    }

    protected abstract void update(byte[] b, int off, int len);

    protected abstract byte[] digest();

    protected abstract void reset();

    @Override
    protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
        throw new InvalidKeyException("chip signatures are verified by a software provider");
    }

    @Override
    protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
        if (!(privateKey instanceof ChipPrivateKey k))
            throw new InvalidKeyException("not a chip key: " + privateKey);
        key = k;
        reset();
    }

    @Override
    protected void engineUpdate(byte b) {
        update(new byte[] {b}, 0, 1);
    }

    @Override
    protected void engineUpdate(byte[] b, int off, int len) {
        update(b, off, len);
    }

    @Override
    protected byte[] engineSign() throws SignatureException {
        if (key == null) throw new SignatureException("not initialised for signing");
        try {
            return EcKeys.rawToDer(key.chip().sign(key.slot(), digest()));
        } catch (ChipException e) {
            throw new SignatureException("chip signature failed: " + e.getMessage(), e);
        }
    }

    @Override
    protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
        throw new SignatureException("verification is not offered by the chip provider");
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
