package dev.meerkat.fleet.aws;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code meerkat.fleet.aws.*}: the region and account this service answers as (they appear in ARNs
 * and in the SigV4 credential scope), the access-key file of the control plane (absent: the AWS
 * endpoints refuse every request) and the broker the Jobs MQTT API is served on (absent: off).
 */
@ConfigMapping(prefix = "meerkat.fleet.aws")
public interface AwsSettings {

    @WithDefault("us-east-1")
    String region();

    /** The 12-digit account id in ARNs. */
    @WithDefault("000000000000")
    String accountId();

    /**
     * Lines {@code ACCESS_KEY_ID SECRET role[,role]}; {@code #} starts a comment. The file must not
     * be readable by group or others.
     */
    Optional<Path> accessKeysFile();

    Jobs jobs();

    /** The Jobs MQTT API: broker URI (tcp:// or ssl://), TLS material and the client id. */
    interface Jobs {
        Optional<String> server();

        Optional<Path> caFile();

        Optional<Path> clientP12();

        Optional<String> clientP12Password();

        @WithDefault("meerkat-jobs")
        String clientId();

        /** How often executions changed by the service itself are announced (notify events). */
        @WithDefault("PT1S")
        java.time.Duration sweep();
    }
}
