package dev.meerkat.fleet.aws;

import dev.meerkat.cloud.aws.control.IotOperation;
import dev.meerkat.cloud.aws.sigv4.AccessKey;
import dev.meerkat.cloud.aws.sigv4.SigV4Verifier;
import dev.meerkat.cloud.aws.sigv4.SignedRequest;
import dev.meerkat.cloud.aws.sigv4.Verification;
import dev.meerkat.fleet.security.Caller;
import dev.meerkat.fleet.security.Roles;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The control plane's credentials: AWS access keys, each standing for a fleet caller with roles,
 * read from {@code meerkat.fleet.aws.access-keys-file} (lines {@code KEY_ID SECRET role[,role]}).
 * The file must be private to the service's user. Without it every AWS request is refused.
 */
@ApplicationScoped
public class AwsAccessKeys {

    @Inject AwsSettings config;

    private SigV4Verifier verifier;
    private Map<String, Set<String>> roles = Map.of();

    @PostConstruct
    void load() {
        if (config.accessKeysFile().isEmpty()) return;
        Path file = config.accessKeysFile().get();
        List<AccessKey> keys = new ArrayList<>();
        Map<String, Set<String>> granted = new HashMap<>();
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.GROUP_READ)
                    || perms.contains(PosixFilePermission.OTHERS_READ)) {
                throw new IllegalStateException(
                        file
                                + " holds secret access keys and must not be readable by group or"
                                + " others (chmod 600)");
            }
            int n = 0;
            for (String line : Files.readAllLines(file)) {
                n++;
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) continue;
                String[] f = l.split("\\s+");
                if (f.length != 3) {
                    throw new IllegalStateException(
                            file + ":" + n + ": expected KEY_ID SECRET role[,role]");
                }
                Set<String> r = new TreeSet<>(Arrays.asList(f[2].split(",")));
                if (!Roles.ALL.containsAll(r) || r.contains(Roles.DEVICE)) {
                    throw new IllegalStateException(
                            file
                                    + ":"
                                    + n
                                    + ": roles must be among admin, release-manager,"
                                    + " operator, viewer");
                }
                keys.add(new AccessKey(f[0], f[1], "aws:" + f[0]));
                granted.put(f[0], Set.copyOf(r));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(file + ": " + e.getMessage(), e);
        }
        if (keys.isEmpty()) return;
        roles = Map.copyOf(granted);
        verifier =
                new SigV4Verifier(
                        keys,
                        config.region(),
                        Set.of(IotOperation.SIGNING_NAME),
                        Clock.systemUTC(),
                        SigV4Verifier.DEFAULT_MAX_SKEW);
    }

    /**
     * The caller that signed the request, if it holds one of {@code allowed}; otherwise the AWS
     * error a client expects.
     */
    public Caller authenticate(SignedRequest request, Set<String> allowed) {
        if (verifier == null) {
            throw IotException.signatureRefused(
                    "UnrecognizedClientException",
                    "no access keys are configured for this endpoint");
        }
        Verification v = verifier.verify(request);
        if (v instanceof Verification.Refused r) {
            throw IotException.signatureRefused(r.errorType(), r.reason());
        }
        Verification.Verified ok = (Verification.Verified) v;
        Set<String> held = roles.getOrDefault(ok.accessKeyId(), Set.of());
        if (held.stream().noneMatch(allowed::contains)) {
            throw IotException.notAuthorized(
                    "access key " + ok.accessKeyId() + " may not perform this operation");
        }
        return new Caller(ok.principal(), String.join(",", held));
    }
}
