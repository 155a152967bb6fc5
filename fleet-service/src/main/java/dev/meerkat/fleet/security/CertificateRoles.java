package dev.meerkat.fleet.security;

import dev.meerkat.fleet.FleetConfig;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;
import org.jboss.logging.Logger;

/**
 * Roles for client-certificate callers: {@code meerkat.fleet.mtls.roles-file} maps a subject CN to
 * a comma-separated role list ({@code pipeline=release-manager}). Any other certificate from the
 * trusted CA gets the role {@code device}: the device API then matches it to a registered device by
 * its SHA-256 fingerprint, so a certificate alone never reaches an operator endpoint.
 */
@ApplicationScoped
public class CertificateRoles implements SecurityIdentityAugmentor {
    private static final Logger LOG = Logger.getLogger(CertificateRoles.class);

    @Inject FleetConfig config;

    private Map<String, Set<String>> roles = Map.of();

    @PostConstruct
    void load() {
        Optional<Path> rolesFile = config.mtls().rolesFile();
        if (rolesFile.isEmpty()) return;
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(rolesFile.get())) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + rolesFile.get(), e);
        }
        roles =
                p.stringPropertyNames().stream()
                        .collect(
                                Collectors.toUnmodifiableMap(
                                        cn -> cn,
                                        cn ->
                                                Arrays.stream(p.getProperty(cn).split(","))
                                                        .map(String::strip)
                                                        .filter(s -> !s.isEmpty())
                                                        .peek(
                                                                r -> {
                                                                    if (!Roles.ALL.contains(r))
                                                                        LOG.warnf(
                                                                                "%s: unknown role '%s' for CN %s",
                                                                                rolesFile.get(),
                                                                                r,
                                                                                cn);
                                                                })
                                                        .collect(Collectors.toUnmodifiableSet())));
    }

    @Override
    public Uni<SecurityIdentity> augment(
            SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || !(identity.getPrincipal() instanceof X500Principal x)) {
            return Uni.createFrom().item(identity);
        }
        Set<String> granted = roles.getOrDefault(Caller.commonName(x), Set.of(Roles.DEVICE));
        QuarkusSecurityIdentity.Builder b = QuarkusSecurityIdentity.builder(identity);
        granted.forEach(b::addRole);
        return Uni.createFrom().item(b.build());
    }
}
