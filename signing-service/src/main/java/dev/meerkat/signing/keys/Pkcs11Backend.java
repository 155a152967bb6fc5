package dev.meerkat.signing.keys;

import dev.meerkat.image.KeyType;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Security;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keys in a PKCS#11 token through the JDK's SunPKCS11 provider (SoftHSM2 in tests, an HSM in
 * production). Key pairs are generated in the token as token objects that are sensitive and never
 * extractable; only the public half is read. Each thread keeps its own {@link Signature}, so every
 * in-flight signature runs on its own PKCS#11 session. ECDSA P-256 and P-384 are supported.
 */
public final class Pkcs11Backend implements KeyBackend {
    private final Provider provider;
    private final KeyStore store;
    private final Map<String, PrivateKey> keys = new ConcurrentHashMap<>();
    private final ThreadLocal<Map<String, Signature>> signatures =
            ThreadLocal.withInitial(HashMap::new);

    public Pkcs11Backend(String library, int slotListIndex, char[] pin) {
        String config =
                String.join(
                        "\n",
                        "name = meerkat",
                        "library = " + library,
                        "slotListIndex = " + slotListIndex,
                        "attributes(generate, CKO_PRIVATE_KEY, *) = {",
                        "  CKA_TOKEN = true",
                        "  CKA_PRIVATE = true",
                        "  CKA_SENSITIVE = true",
                        "  CKA_EXTRACTABLE = false",
                        "}",
                        "");
        try {
            provider = Security.getProvider("SunPKCS11").configure("--" + config);
            store = KeyStore.getInstance("PKCS11", provider);
            store.load(null, pin);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "cannot open PKCS#11 token ("
                            + library
                            + ", slot index "
                            + slotListIndex
                            + "): "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    public String name() {
        return "pkcs11";
    }

    @Override
    public boolean supports(KeyType type) {
        return type == KeyType.ECDSA_P256 || type == KeyType.ECDSA_P384;
    }

    @Override
    public synchronized PublicKey generate(String alias, KeyType type) {
        if (!supports(type))
            throw new IllegalArgumentException("the PKCS#11 backend holds only ECDSA keys");
        try {
            if (store.containsAlias(alias))
                throw new IllegalStateException("alias " + alias + " exists in the token");
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC", provider);
            g.initialize(
                    new ECGenParameterSpec(type == KeyType.ECDSA_P256 ? "secp256r1" : "secp384r1"));
            KeyPair pair = g.generateKeyPair();
            Certificate cert = SelfSignedCerts.make(alias, type, pair, provider);
            store.setKeyEntry(alias, pair.getPrivate(), null, new Certificate[] {cert});
            return cert.getPublicKey();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "key generation in the token failed: " + e.getMessage(), e);
        }
    }

    @Override
    public boolean contains(String alias) {
        try {
            return store.isKeyEntry(alias);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    @Override
    public synchronized void destroy(String alias) {
        try {
            if (store.containsAlias(alias)) store.deleteEntry(alias);
            keys.remove(alias);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "cannot delete " + alias + " from the token: " + e.getMessage(), e);
        }
    }

    /** The token's handle for a key: its encoding is never available. */
    public Key handle(String alias) {
        return keys.computeIfAbsent(alias, this::load);
    }

    @Override
    public byte[] sign(String alias, KeyType type, byte[] digest) {
        PrivateKey key = keys.computeIfAbsent(alias, this::load);
        try {
            Signature s = signatures.get().get(alias);
            if (s == null) {
                s = Signature.getInstance("NONEwithECDSA", provider);
                signatures.get().put(alias, s);
            }
            s.initSign(key);
            s.update(digest);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("token signing failed: " + e.getMessage(), e);
        }
    }

    private PrivateKey load(String alias) {
        try {
            Key k = store.getKey(alias, null);
            if (!(k instanceof PrivateKey pk))
                throw new IllegalStateException("no private key " + alias + " in the token");
            return pk;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(
                    "cannot find key " + alias + " in the token: " + e.getMessage(), e);
        }
    }
}
