package dev.meerkat.chip.jca;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents a chip-held P-256 key and its certificate chain for TLS client authentication: JSSE gets
 * the {@link ChipPrivateKey} handle and the chip's JCA provider signs the handshake inside the
 * chip. It offers the key for EC client-auth requests only and never acts for a server.
 */
public final class ChipKeyManager extends X509ExtendedKeyManager {
    private static final String ALIAS = "device";

    private final ChipPrivateKey key;
    private final X509Certificate[] chain;

    /**
     * @param key the chip slot's key
     * @param chain the key's certificate first, then intermediates
     */
    public ChipKeyManager(ChipPrivateKey key, List<X509Certificate> chain) {
        this.key = Objects.requireNonNull(key);
        if (chain.isEmpty())
            throw new IllegalArgumentException("a client key needs its certificate");
        this.chain = chain.toArray(new X509Certificate[0]);
    }

    private static String alias(String[] keyTypes) {
        if (keyTypes == null) return ALIAS;
        for (String t : keyTypes) {
            if (t != null && (t.equals("EC") || t.startsWith("EC_") || t.equals("ECDSA")))
                return ALIAS;
        }
        return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return alias(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return alias(keyType);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return alias(new String[] {keyType}) == null ? null : new String[] {ALIAS};
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? chain.clone() : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? key : null;
    }
}
