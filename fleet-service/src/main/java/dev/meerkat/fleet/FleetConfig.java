package dev.meerkat.fleet;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The fleet service's own settings ({@code meerkat.fleet.*}). */
@ConfigMapping(prefix = "meerkat.fleet")
public interface FleetConfig {

    Path dataDir();

    /** A PEM file or a directory of PEM files: the keys release images must be signed with. */
    Path releaseKeys();

    Upload upload();

    Storage storage();

    Engine engine();

    Ddi ddi();

    Mqtt mqtt();

    Audit audit();

    DeviceCrl deviceCrl();

    Mtls mtls();

    /**
     * Client certificates on the REST API: {@code roles-file} maps a subject CN to its roles
     * ({@code security.CertificateRoles}); absent: every certificate of the trusted CA is a device.
     */
    interface Mtls {
        Optional<Path> rolesFile();
    }

    /**
     * The audit chain's checkpoint key (EC P-256 PKCS#8 PEM; created when absent; replicas share
     * it) and how often the moved head is signed.
     */
    interface Audit {
        Path checkpointKey();

        @WithDefault("PT10M")
        Duration checkpointInterval();
    }

    /**
     * The device CA's revocation list: fetched from {@code url} (the signing service's {@code
     * /api/v1/pki/crl}) or read from {@code file}, checked against {@code issuer} (the device CA
     * certificate, PEM), refreshed every {@code refresh}. Neither url nor file: no check.
     */
    interface DeviceCrl {
        Optional<String> url();

        Optional<Path> file();

        Optional<Path> issuer();

        @WithDefault("PT5M")
        Duration refresh();
    }

    /** How devices reach this service (signed download links of the directory store). */
    @WithDefault("http://127.0.0.1:8471")
    String publicUrl();

    /**
     * Mongoose mg_rpc over MQTT: the broker (tcp:// or ssl://; absent: MQTT off), TLS material for
     * ssl://, the shared-subscription group replicas consume device reports in, and how long a
     * released execution may stay unacknowledged before its OTA.Update is sent again.
     */
    interface Mqtt {
        Optional<String> server();

        Optional<Path> caFile();

        Optional<Path> clientP12();

        Optional<String> clientP12Password();

        @WithDefault("fleet-service")
        String shareGroup();

        /**
         * Consume device reports through {@code $share/<share-group>/…} (MQTT 5 shared
         * subscriptions, Mosquitto ≥ 1.6). Off only for a single replica on a broker without them
         * (the demo's embedded Moquette): every replica would then handle every report.
         */
        @WithDefault("true")
        boolean sharedSubscription();

        /**
         * The MQTT user name (the broker's ACL grants it the device topics; with mTLS, the
         * certificate CN).
         */
        @WithDefault("fleet-service")
        String username();

        @WithDefault("PT15S")
        Duration resendAfter();

        /**
         * Threads applying device reports, each a partition of the devices (a device's events stay
         * in order); each applies what queued up as one batch of at most 256 per transaction. One
         * by default: every batch ends under the audit chain head's lock, so more threads mostly
         * wait for each other there and write smaller batches (BENCHMARKS.md).
         */
        @WithDefault("1")
        int workers();
    }

    interface Upload {
        long maxBytes();
    }

    interface Storage {
        /** {@code directory} (embedded default) or {@code s3}. */
        String kind();

        Path directory();

        Optional<String> endpoint();

        String bucket();

        String region();

        Optional<String> accessKey();

        Optional<String> secretKey();

        Duration presignTtl();
    }

    /**
     * hawkBit DDI: the one tenant name this service answers to, and how often devices should poll.
     */
    interface Ddi {
        @WithDefault("DEFAULT")
        String tenant();

        @WithDefault("PT5M")
        Duration pollingSleep();
    }

    interface Engine {
        Duration tick();

        @WithDefault("true")
        boolean enabled();
    }
}
