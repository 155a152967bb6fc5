package dev.meerkat.signing.keys;

import dev.meerkat.image.KeyType;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * Keys in an encrypted Bouncy Castle FIPS key store (BCFKS) file, protected by a password from the
 * configuration or the environment. The file is rewritten atomically after each new key. A key is
 * read from the store once, on first use, and kept in memory in the form its signer needs: ECDSA
 * keys as BoringSSL keys ({@link NativeEcdsa}), other types as Bouncy Castle keys. ECDSA signing
 * keeps one {@link Signature} per thread.
 */
public final class SoftwareKeystoreBackend implements KeyBackend {
    private static final Provider BC = new BouncyCastleProvider();

    private final Path file;
    private final char[] password;
    private final KeyStore store;
    private final Map<String, PrivateKey> keys = new ConcurrentHashMap<>();
    private final NativeEcdsa ecdsaEngine = NativeEcdsa.orElse(BC);
    private final ThreadLocal<Signature> ecdsa = ThreadLocal.withInitial(ecdsaEngine::newSigner);
    private final ThreadLocal<SecureRandom> random =
            ThreadLocal.withInitial(SoftwareKeystoreBackend::newRandom);

    public SoftwareKeystoreBackend(Path file, char[] password) {
        if (password == null || password.length == 0) {
            throw new IllegalStateException(
                    "the software key store needs a password: set meerkat.keystore.password"
                            + " or the MEERKAT_KEYSTORE_PASSWORD environment variable");
        }
        this.file = file;
        this.password = password.clone();
        try {
            store = KeyStore.getInstance("BCFKS", BC);
            if (Files.exists(file)) {
                try (InputStream in = Files.newInputStream(file)) {
                    store.load(in, this.password);
                }
            } else {
                store.load(null, null);
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException(
                    "cannot open the key store " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return "software";
    }

    @Override
    public boolean supports(KeyType type) {
        return type != KeyType.X25519;
    }

    @Override
    public synchronized PublicKey generate(String alias, KeyType type) {
        try {
            if (store.containsAlias(alias))
                throw new IllegalStateException("alias " + alias + " exists");
            KeyPair pair = generatePair(type);
            Certificate cert = SelfSignedCerts.make(alias, type, pair, BC);
            store.setKeyEntry(alias, pair.getPrivate(), password, new Certificate[] {cert});
            save();
            return pair.getPublic();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("key generation failed: " + e.getMessage(), e);
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
            if (!store.containsAlias(alias)) return;
            store.deleteEntry(alias);
            keys.remove(alias);
            save();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot delete " + alias + ": " + e.getMessage(), e);
        }
    }

    @Override
    public byte[] sign(String alias, KeyType type, byte[] digest) {
        PrivateKey key = keys.computeIfAbsent(alias, a -> load(a, type));
        try {
            Signature s;
            switch (type) {
                case ECDSA_P256, ECDSA_P384 -> s = ecdsa.get();
                case ED25519 -> s = Signature.getInstance("Ed25519", BC);
                case RSA_2048, RSA_3072 -> {
                    s = Signature.getInstance("RAWRSASSA-PSS", BC);
                    s.setParameter(
                            new PSSParameterSpec(
                                    "SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
                }
                default -> throw new IllegalArgumentException(type.cliName() + " keys cannot sign");
            }
            s.initSign(key, random.get());
            s.update(digest);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing failed: " + e.getMessage(), e);
        }
    }

    private PrivateKey load(String alias, KeyType type) {
        try {
            PrivateKey k = (PrivateKey) store.getKey(alias, password);
            if (k == null)
                throw new IllegalStateException(
                        "no private key under " + alias + " in the key store");
            return type == KeyType.ECDSA_P256 || type == KeyType.ECDSA_P384
                    ? ecdsaEngine.adopt(k)
                    : k;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot load key " + alias + ": " + e.getMessage(), e);
        }
    }

    private KeyPair generatePair(KeyType type) throws GeneralSecurityException {
        KeyPairGenerator g;
        switch (type) {
            case ECDSA_P256, ECDSA_P384 -> {
                g = KeyPairGenerator.getInstance("EC", BC);
                g.initialize(
                        new ECGenParameterSpec(
                                type == KeyType.ECDSA_P256 ? "secp256r1" : "secp384r1"),
                        newRandom());
            }
            case ED25519 -> g = KeyPairGenerator.getInstance("Ed25519", BC);
            case RSA_2048, RSA_3072 -> {
                g = KeyPairGenerator.getInstance("RSA", BC);
                g.initialize(
                        new RSAKeyGenParameterSpec(
                                type == KeyType.RSA_2048 ? 2048 : 3072, BigInteger.valueOf(65537)),
                        newRandom());
            }
            default ->
                    throw new IllegalArgumentException(
                            "the software key store cannot hold " + type.cliName() + " keys");
        }
        return g.generateKeyPair();
    }

    private void save() throws IOException, GeneralSecurityException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".keys", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            try (OutputStream out = Files.newOutputStream(tmp)) {
                store.store(out, password);
            }
            Files.move(
                    tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static SecureRandom newRandom() {
        try {
            return SecureRandom.getInstance("DRBG");
        } catch (GeneralSecurityException e) {
            return new SecureRandom();
        }
    }
}
