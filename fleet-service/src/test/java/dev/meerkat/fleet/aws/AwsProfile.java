package dev.meerkat.fleet.aws;

import dev.meerkat.fleet.EmbeddedProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/**
 * The embedded defaults plus the AWS endpoints: three access keys (deployer, registrar, viewer) in
 * a private file, region eu-west-1, account 123456789012.
 */
public class AwsProfile extends EmbeddedProfile {
    static final String REGION = "eu-west-1";
    static final String ACCOUNT = "123456789012";
    static final String DEPLOYER = "AKIAMEERKATDEPLOY01";
    static final String REGISTRAR = "AKIAMEERKATREGIST01";
    static final String VIEWER = "AKIAMEERKATVIEWER01";
    static final String SECRET = "meerkat-test-secret-key-0123456789";

    @Override
    public Map<String, String> getConfigOverrides() {
        Map<String, String> m = new HashMap<>(super.getConfigOverrides());
        try {
            Path keys =
                    Files.createTempFile(
                            Files.createDirectories(Path.of("target").toAbsolutePath()),
                            "aws-keys",
                            ".txt",
                            PosixFilePermissions.asFileAttribute(
                                    PosixFilePermissions.fromString("rw-------")));
            Files.writeString(
                    keys,
                    String.join(
                            "\n",
                            "# key id, secret, fleet roles",
                            DEPLOYER + " " + SECRET + " release-manager",
                            REGISTRAR + " " + SECRET + " operator",
                            VIEWER + " " + SECRET + " viewer",
                            ""));
            m.put("meerkat.fleet.aws.access-keys-file", keys.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        m.put("meerkat.fleet.aws.region", REGION);
        m.put("meerkat.fleet.aws.account-id", ACCOUNT);
        m.put("quarkus.datasource.h2.jdbc.acquisition-timeout", "PT60S");
        return m;
    }
}
