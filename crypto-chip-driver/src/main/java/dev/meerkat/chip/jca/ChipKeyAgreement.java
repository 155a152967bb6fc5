package dev.meerkat.chip.jca;

import dev.meerkat.chip.ChipException;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.spec.AlgorithmParameterSpec;
import javax.crypto.KeyAgreementSpi;
import javax.crypto.SecretKey;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;

/** ECDH with a {@link ChipPrivateKey}: the chip multiplies the peer's point by the slot key. */
public final class ChipKeyAgreement extends KeyAgreementSpi {
    private ChipPrivateKey key;
    private byte[] secret;

    @Override
    protected void engineInit(Key key, SecureRandom random) throws InvalidKeyException {
        if (!(key instanceof ChipPrivateKey k))
            throw new InvalidKeyException("not a chip key: " + key);
        this.key = k;
        this.secret = null;
    }

    @Override
    protected void engineInit(Key key, AlgorithmParameterSpec params, SecureRandom random)
            throws InvalidKeyException, InvalidAlgorithmParameterException {
        if (params != null) throw new InvalidAlgorithmParameterException("no parameters");
        engineInit(key, random);
    }

    @Override
    protected Key engineDoPhase(Key peer, boolean lastPhase) throws InvalidKeyException {
        if (key == null) throw new IllegalStateException("not initialised");
        if (!lastPhase) throw new IllegalStateException("ECDH has one phase");
        if (!(peer instanceof ECPublicKey pub))
            throw new InvalidKeyException("peer key must be an EC public key");
        try {
            secret = key.chip().ecdh(key.slot(), EcKeys.raw(pub));
        } catch (ChipException e) {
            throw new InvalidKeyException("chip ECDH failed: " + e.getMessage(), e);
        }
        return null;
    }

    @Override
    protected byte[] engineGenerateSecret() {
        if (secret == null) throw new IllegalStateException("doPhase first");
        byte[] s = secret;
        secret = null;
        return s;
    }

    @Override
    protected int engineGenerateSecret(byte[] sharedSecret, int offset)
            throws ShortBufferException {
        if (sharedSecret.length - offset < 32) throw new ShortBufferException("32 bytes needed");
        byte[] s = engineGenerateSecret();
        System.arraycopy(s, 0, sharedSecret, offset, s.length);
        return s.length;
    }

    @Override
    protected SecretKey engineGenerateSecret(String algorithm) {
        return new SecretKeySpec(engineGenerateSecret(), algorithm);
    }
}
