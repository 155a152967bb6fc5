package dev.meerkat.signing.keys;

import dev.meerkat.signing.refusal.Refusal;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** The key backends this instance is configured with, by name. */
@ApplicationScoped
public class Backends {
    private static final Logger LOG = Logger.getLogger(Backends.class);

    @ConfigProperty(name = "meerkat.data-dir")
    Path dataDir;

    @ConfigProperty(name = "meerkat.keystore.path")
    Optional<Path> keystorePath;

    @ConfigProperty(name = "meerkat.keystore.password")
    Optional<String> keystorePassword;

    @ConfigProperty(name = "meerkat.pkcs11.library")
    Optional<String> pkcs11Library;

    @ConfigProperty(name = "meerkat.pkcs11.slot-list-index", defaultValue = "0")
    int pkcs11SlotIndex;

    @ConfigProperty(name = "meerkat.pkcs11.pin")
    Optional<String> pkcs11Pin;

    @ConfigProperty(name = "meerkat.keys.default-backend", defaultValue = "software")
    String defaultBackend;

    private final Map<String, KeyBackend> backends = new LinkedHashMap<>();

    @PostConstruct
    void init() {
        BackendSignatureProvider.install();
        if (keystorePassword.isPresent() && !keystorePassword.get().isEmpty()) {
            Path p = keystorePath.orElse(dataDir.resolve("keys.bcfks"));
            backends.put(
                    "software",
                    new SoftwareKeystoreBackend(p, keystorePassword.get().toCharArray()));
            LOG.infof("software key store: %s", p);
        }
        if (pkcs11Library.isPresent()) {
            backends.put(
                    "pkcs11",
                    new Pkcs11Backend(
                            pkcs11Library.get(),
                            pkcs11SlotIndex,
                            pkcs11Pin.map(String::toCharArray).orElse(null)));
            LOG.infof("PKCS#11 token: %s, slot index %d", pkcs11Library.get(), pkcs11SlotIndex);
        }
        if (!backends.containsKey(defaultBackend)) {
            throw new IllegalStateException(
                    "the default key backend '"
                            + defaultBackend
                            + "' is not configured"
                            + " (configured: "
                            + backends.keySet()
                            + "); set meerkat.keystore.password or meerkat.pkcs11.library");
        }
    }

    public String defaultName() {
        return defaultBackend;
    }

    public KeyBackend get(String name) {
        KeyBackend b = backends.get(name);
        if (b == null) {
            throw Refusal.invalid(
                    "Unknown backend",
                    "backend '"
                            + name
                            + "' is not configured here; configured: "
                            + backends.keySet());
        }
        return b;
    }
}
