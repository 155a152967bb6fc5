package dev.meerkat.signing.tls;

import io.netty.handler.ssl.OpenSsl;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs the HTTPS server's TLS on BoringSSL (netty-tcnative, native code inside its jar) instead of
 * the JDK's TLS engine: the handshakes and record encryption cost a fraction of the CPU. The
 * certificates, client-certificate request and protocol versions configured under quarkus.tls and
 * quarkus.http.ssl apply unchanged. {@code meerkat.tls.engine=jdk} keeps the JDK's engine; where
 * the native library cannot load, the JDK's engine is used with a warning.
 */
@ApplicationScoped
public class NativeTls implements HttpServerOptionsCustomizer {
    private static final Logger LOG = Logger.getLogger(NativeTls.class);

    @ConfigProperty(name = "meerkat.tls.engine", defaultValue = "boringssl")
    String engine;

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        switch (engine) {
            case "jdk" -> {
                return;
            }
            case "boringssl" -> {}
            default ->
                    throw new IllegalArgumentException(
                            "meerkat.tls.engine must be boringssl or jdk, not '" + engine + "'");
        }
        if (!OpenSSLEngineOptions.isAvailable()) {
            LOG.warnf(
                    "BoringSSL is not available on this platform, TLS runs on the JDK's engine: %s",
                    OpenSsl.unavailabilityCause());
            return;
        }
        options.setSslEngineOptions(new OpenSSLEngineOptions());
    }
}
