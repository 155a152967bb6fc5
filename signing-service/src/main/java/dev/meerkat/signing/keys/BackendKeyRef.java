package dev.meerkat.signing.keys;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;

/**
 * A reference to a P-256 key held by a {@link KeyBackend}, usable where a JCA {@code PrivateKey} is
 * expected (e.g. fw.zip manifest signing). It carries no key material: {@link #getS()} and {@link
 * #getEncoded()} reveal nothing, and only {@link BackendSignatureProvider} can sign with it.
 */
public final class BackendKeyRef implements ECPrivateKey {
    private static final long serialVersionUID = 1L;
    private static final ECParameterSpec P256 = p256();

    private final String alias;
    private final transient KeyBackend backend;

    public BackendKeyRef(KeyBackend backend, String alias) {
        this.backend = backend;
        this.alias = alias;
    }

    KeyBackend backend() {
        return backend;
    }

    String alias() {
        return alias;
    }

    @Override
    public BigInteger getS() {
        throw new UnsupportedOperationException(
                "the private key stays in the " + backend.name() + " backend");
    }

    @Override
    public ECParameterSpec getParams() {
        return P256;
    }

    @Override
    public String getAlgorithm() {
        return "EC";
    }

    @Override
    public String getFormat() {
        return null;
    }

    @Override
    public byte[] getEncoded() {
        return null;
    }

    @Override
    public String toString() {
        return "P-256 key " + alias + " in the " + backend.name() + " backend";
    }

    private static ECParameterSpec p256() {
        try {
            AlgorithmParameters p = AlgorithmParameters.getInstance("EC");
            p.init(new ECGenParameterSpec("secp256r1"));
            return p.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
