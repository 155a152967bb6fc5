package dev.meerkat.signing.security;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Gives client-certificate identities their roles: {@code meerkat.mtls.roles-file} is a properties
 * file mapping a certificate's subject CN to a comma-separated role list ({@code
 * ci-bot=ci-pipeline}). A certificate whose CN is not listed authenticates but holds no role, so it
 * is refused with 403.
 */
@ApplicationScoped
public class CertificateRoles implements SecurityIdentityAugmentor {
    private static final Logger LOG = Logger.getLogger(CertificateRoles.class);

    @ConfigProperty(name = "meerkat.mtls.roles-file")
    Optional<Path> rolesFile;

    private final Map<String, Set<String>> roles = new ConcurrentHashMap<>();

    @PostConstruct
    void load() {
        if (rolesFile.isEmpty()) return;
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(rolesFile.get())) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + rolesFile.get(), e);
        }
        for (String cn : p.stringPropertyNames()) {
            Set<String> r =
                    Arrays.stream(p.getProperty(cn).split(","))
                            .map(String::strip)
                            .filter(s -> !s.isEmpty())
                            .collect(Collectors.toUnmodifiableSet());
            for (String role : r) {
                if (!Roles.ALL.contains(role))
                    LOG.warnf("%s: unknown role '%s' for CN %s", rolesFile.get(), role, cn);
            }
            roles.put(cn, r);
        }
        LOG.infof("client certificate roles: %d subjects from %s", roles.size(), rolesFile.get());
    }

    @Override
    public Uni<SecurityIdentity> augment(
            SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof X500Principal x))
            return Uni.createFrom().item(identity);
        String cn = Caller.nameOf(x).substring("cert:".length());
        Set<String> granted = roles.getOrDefault(cn, Set.of());
        QuarkusSecurityIdentity.Builder b = QuarkusSecurityIdentity.builder(identity);
        granted.forEach(b::addRole);
        return Uni.createFrom().item(b.build());
    }
}
