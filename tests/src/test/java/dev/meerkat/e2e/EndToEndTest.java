package dev.meerkat.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Meerkat end to end, through its public interfaces only: the {@code meerkat} CLI run as a process,
 * the two services' packaged jars run as processes and spoken to over HTTP, devices over MQTT with
 * mutual TLS. The servers are real and started here on free loopback ports: PostgreSQL (one
 * database per service), SoftHSM2 (the CA and release keys), Mosquitto (TLS, client certificates,
 * the device CA's CRL, a per-device ACL) and S3Proxy.
 *
 * <p>The scenarios build on each other in order, as a product's life does: the factory makes the
 * devices the release is delivered to, and a device revoked at the end is one of them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndTest {
    static final int DEVICES = 20;
    static final String PLATFORM = "meerkat-sim";

    Path work;
    Cli cli;
    Postgres postgres;
    SoftHsm hsm;
    ObjectStore s3;
    Broker broker;
    Devices devices;
    ServiceProcess signing;
    ServiceProcess fleet;
    ServiceProcess fleetReplica;
    Path signingData;
    Path fleetData;
    final Map<String, String> tokens = new HashMap<>();
    final List<Devices.Chip> chips = new ArrayList<>();
    Path releaseKey;
    Path deviceChain;
    String fleetJdbc;

    @BeforeAll
    void servers() throws Exception {
        work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "e2e");
        Commands.openToServers(work);
        cli = new Cli(work);
        Story s = new Story("servers");
        postgres = Postgres.start(work);
        hsm = SoftHsm.init(work);
        s3 = ObjectStore.start();
        broker = Broker.prepare(work);
        s.tell(
                "PostgreSQL on :%d, a SoftHSM2 token, S3Proxy at %s, Mosquitto (mTLS + CRL) prepared for :%d",
                postgres.port, s3.endpoint, broker.port);
        devices = new Devices(cli, work);
    }

    @AfterAll
    void stopAll() throws Exception {
        if (devices != null) devices.close();
        for (AutoCloseable c : new AutoCloseable[] {fleetReplica, fleet, signing, broker, s3}) {
            if (c != null) c.close();
        }
        if (postgres != null) postgres.close();
    }

    /** The signing service's CLI as a person or pipeline holding {@code role}. */
    Cli signingAs(String who) {
        return cli.with(Map.of("MEERKAT_URL", signing.url, "MEERKAT_TOKEN", tokens.get(who)));
    }

    /** The fleet service's CLI as {@code who}. */
    Cli fleetAs(String who) {
        return cli.with(
                Map.of("MEERKAT_FLEET_URL", fleetUrl(), "MEERKAT_FLEET_TOKEN", tokens.get(who)));
    }

    /** The replica clients talk to: the second one once it runs (the first is killed). */
    String fleetUrl() {
        return fleetReplica != null ? fleetReplica.url : fleet.url;
    }

    @Test
    @Order(1)
    void factory() throws Exception {
        Story s = new Story("factory");
        signingData = Files.createDirectories(work.resolve("signing-service"));
        for (String[] t :
                new String[][] {
                    {"admin", "admin"},
                    {"station-1", "factory-station"},
                    {"release-engineer", "release-engineer"},
                    {"alice", "approver"},
                    {"bob", "approver"},
                    {"carol", "approver"},
                    {"auditor", "auditor"}
                }) {
            tokens.put(
                    t[0],
                    cli.ok(
                                    "serve",
                                    "token",
                                    "--data-dir",
                                    signingData.toString(),
                                    "--subject",
                                    t[0],
                                    "--role",
                                    t[1])
                            .strip());
        }
        signing =
                ServiceProcess.start(
                        "signing-service",
                        "meerkat.signing-service.jar",
                        Map.ofEntries(
                                Map.entry("meerkat.data-dir", signingData.toString()),
                                Map.entry("quarkus.datasource.h2.active", "false"),
                                Map.entry("quarkus.datasource.pg.active", "true"),
                                Map.entry(
                                        "quarkus.datasource.pg.jdbc.url",
                                        postgres.createDatabase("signing")),
                                Map.entry("quarkus.datasource.pg.username", "meerkat"),
                                Map.entry("quarkus.datasource.pg.password", "unused"),
                                Map.entry("meerkat.pkcs11.library", SoftHsm.LIBRARY),
                                Map.entry("meerkat.keys.default-backend", "pkcs11"),
                                Map.entry(
                                        "mp.jwt.verify.publickey.location",
                                        signingData.resolve("jwt-public.pem").toString())),
                        Map.of(
                                "SOFTHSM2_CONF", hsm.conf().toString(),
                                "MEERKAT_PKCS11_PIN", hsm.pin(),
                                "MEERKAT_KEYSTORE_PASSWORD", "e2e-keystore-password"),
                        work);
        s.tell("signing service up at %s (PostgreSQL, keys in SoftHSM2)", signing.url);

        Cli admin = signingAs("admin");
        admin.ok("pki", "root", "--backend", "pkcs11");
        admin.ok("pki", "issuing-ca", "--signer-id", "1", "--backend", "pkcs11");
        deviceChain = work.resolve("device-ca-chain.pem");
        admin.ok("pki", "ca", "-o", deviceChain.toString());
        admin.ok(
                "keys",
                "create",
                "fw-prod",
                "--type",
                "ecdsa-p256",
                "--production",
                "--approvals",
                "2");
        releaseKey = work.resolve("fw-prod.pem");
        admin.ok("keys", "public", "fw-prod", "-o", releaseKey.toString());
        s.tell(
                "key ceremony: root and issuing CA and the production release key fw-prod (2 approvals) made in SoftHSM2");

        Path journal = work.resolve("provisioning.jsonl");
        Path chipDir = Files.createDirectories(work.resolve("chips"));
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "provision",
                                "--service",
                                signing.url,
                                "--token",
                                tokens.get("station-1"),
                                "--parallel",
                                "4",
                                "--log",
                                journal.toString(),
                                "--json"));
        for (int i = 0; i < DEVICES; i++) {
            args.addAll(List.of("--chip", "emulator:" + chipDir.resolve("chip" + i + ".state")));
        }
        // with --json, stdout is the run's summary document alone
        JsonNode summary = Api.JSON.readTree(cli.ok(args.toArray(String[]::new)));
        assertThat(summary.path("provisioned").asInt()).as(summary.toString()).isEqualTo(DEVICES);
        assertThat(summary.path("failed").asInt()).as(summary.toString()).isZero();
        assertThat(summary.path("alreadyProvisioned").asInt()).isZero();
        assertThat(summary.path("chips")).hasSize(DEVICES);
        Map<String, String> summarized = new HashMap<>();
        for (JsonNode c : summary.path("chips")) {
            assertThat(c.path("state").asText()).as(c.toString()).isEqualTo("provisioned");
            summarized.put(c.path("serial").asText(), c.path("fingerprint").asText());
        }
        List<String> lines = Files.readAllLines(journal);
        assertThat(lines).hasSize(DEVICES);
        String chain = Files.readString(deviceChain);
        for (int i = 0; i < DEVICES; i++) {
            JsonNode rec = Api.JSON.readTree(lines.get(i));
            String id = rec.path("serial").asText();
            // the summary and the journal tell of the same certificates
            assertThat(summarized).containsEntry(id, rec.path("fingerprint").asText());
            fingerprints.put(id, rec.path("fingerprint").asText());
            Path cert = chipDir.resolve(id + ".pem");
            Files.writeString(cert, rec.path("certificatePem").asText() + chain);
            // the journal names the --chip each record is of
            String chip = rec.path("chip").asText();
            assertThat(chip).as(lines.get(i)).startsWith("emulator:");
            chips.add(
                    new Devices.Chip(
                            id,
                            Path.of(chip.substring("emulator:".length())),
                            cert,
                            rec.path("certSerial").asText()));
        }
        s.tell(
                "%d emulated ATECC608 chips provisioned by `meerkat provision` (key generated in the chip, certificate from the CA in SoftHSM2)",
                chips.size());
        s.tell(
                "provision --json summary: %d provisioned, %d already provisioned, %d failed; each chip's fingerprint is its journal line's",
                summary.path("provisioned").asInt(),
                summary.path("alreadyProvisioned").asInt(),
                summary.path("failed").asInt());

        broker.start(deviceChain, Api.bytes(signing.url + "/api/v1/pki/crl"));
        s.tell("Mosquitto up on :%d with the device CA chain and its CRL", broker.port);

        fleetData = Files.createDirectories(work.resolve("fleet-service"));
        for (String[] t :
                new String[][] {
                    {"fleet-admin", "admin"},
                    {"operator", "operator"},
                    {"release-manager", "release-manager"},
                    {"viewer", "viewer"}
                }) {
            tokens.put(
                    t[0],
                    cli.ok(
                                    "fleet-service",
                                    "token",
                                    "--data-dir",
                                    fleetData.toString(),
                                    "--subject",
                                    t[0],
                                    "--role",
                                    t[1])
                            .strip());
        }
        Files.copy(releaseKey, fleetData.resolve("release-keys").resolve("fw-prod.pem"));
        // The AWS IoT-compatible control plane's access key for the factory (role operator), in a
        // file only the service's user may read, as the service requires.
        awsKeys = fleetData.resolve("aws-access-keys");
        Files.writeString(awsKeys, AWS_FACTORY_KEY + " " + AWS_FACTORY_SECRET + " operator\n");
        Files.setPosixFilePermissions(
                awsKeys, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        fleetJdbc = postgres.createDatabase("fleet");
        fleet = startFleetReplica("fleet-service-a", fleetJdbc);
        s.tell(
                "fleet service up at %s (PostgreSQL, S3Proxy, MQTT over mTLS), trusting fw-prod",
                fleet.url);

        String out =
                fleetAs("operator")
                        .ok(
                                "devices",
                                "register",
                                "--from-log",
                                journal.toString(),
                                "--protocol",
                                "mqtt",
                                "--attr",
                                "platform=" + PLATFORM,
                                "--attr",
                                "line=e2e");
        JsonNode listed = Api.get(fleet.url + "/api/v1/devices?limit=1000", tokens.get("viewer"));
        Set<String> ids = new java.util.HashSet<>();
        listed.forEach(d -> ids.add(d.path("id").asText()));
        assertThat(ids).containsAll(chips.stream().map(Devices.Chip::id).toList());
        s.tell(
                "%d devices registered in the fleet service from the provisioning journal: %s",
                chips.size(), out.strip().replace('\n', ' '));

        awsRegister(s, journal);
    }

    static final String AWS_FACTORY_KEY = "AKIAMEERKATE2EFACTORY";
    static final String AWS_FACTORY_SECRET = "e2e/factory/8Zq3vYp1LkD0sW9mTn4RbXc7HgJe2UfA";
    static final String AWS_REGION = "eu-west-1";
    static final String AWS_ACCOUNT = "123456789012";
    static final String AWS_GROUP = "e2e-aws-factory";
    Path awsKeys;
    final Map<String, String> fingerprints = new HashMap<>();

    /**
     * The factory's devices registered through the AWS connector, `meerkat cloud aws register`,
     * against the fleet service's AWS IoT-compatible control plane: credentials in the environment
     * as a user sets them, the thing name being the chip serial ({@code --thing-prefix=}), so each
     * thing is the device the journal import registered. Read back from the fleet service, then run
     * again: nothing is duplicated.
     */
    void awsRegister(Story s, Path journal) throws Exception {
        Cli aws =
                cli.with(
                        Map.of(
                                "AWS_ACCESS_KEY_ID", AWS_FACTORY_KEY,
                                "AWS_SECRET_ACCESS_KEY", AWS_FACTORY_SECRET,
                                "AWS_REGION", AWS_REGION));
        List<String> register =
                List.of(
                        "cloud",
                        "aws",
                        "register",
                        "--log",
                        journal.toString(),
                        "--thing-prefix=",
                        "--policy",
                        "meerkat-device",
                        "--thing-group",
                        AWS_GROUP,
                        "--endpoint",
                        fleet.url,
                        "--json");
        JsonNode first = lastJson(aws.ok(register.toArray(String[]::new)));
        assertThat(first.path("skipped").asInt()).isZero();
        assertThat(first.path("registered")).hasSize(DEVICES);
        for (JsonNode r : first.path("registered")) {
            String serial = r.path("serial").asText();
            assertThat(r.path("thing").asText()).isEqualTo(serial);
            // the endpoint names a certificate by the SHA-256 of its DER, as AWS IoT does
            assertThat(r.path("certificateArn").asText())
                    .as(r.toString())
                    .isEqualTo(
                            "arn:aws:iot:"
                                    + AWS_REGION
                                    + ":"
                                    + AWS_ACCOUNT
                                    + ":cert/"
                                    + fingerprints.get(serial));
        }
        Map<String, Long> actions = awsAudit();
        assertThat(actions)
                .containsEntry("aws.certificate.register", (long) DEVICES)
                .containsEntry("aws.thing-group.create", 1L)
                .containsEntry("aws.thing-group.add", (long) DEVICES)
                .containsEntry("aws.policy.attach", (long) DEVICES)
                .doesNotContainKey("aws.thing.create");
        Set<String> serials = fingerprints.keySet();
        assertThat(groupMembers(AWS_GROUP)).containsExactlyInAnyOrderElementsOf(serials);
        for (JsonNode d : Api.get(fleet.url + "/api/v1/devices?limit=1000", tokens.get("viewer"))) {
            String id = d.path("id").asText();
            assertThat(d.path("certFingerprint").asText()).as(id).isEqualTo(fingerprints.get(id));
        }
        s.tell(
                "`meerkat cloud aws register --endpoint <fleet service>` (SigV4, key %s with role operator): %d things, each certificate registered as cert/<SHA-256 of its DER> with policy meerkat-device and attached, all in thing group %s",
                AWS_FACTORY_KEY, first.path("registered").size(), AWS_GROUP);
        s.tell(
                "read back from the fleet service: group %s has the %d devices, every device's certificate fingerprint is its certificate id; audit %s",
                AWS_GROUP, serials.size(), actions);

        // Again, as after an interruption: the state file says all are done.
        JsonNode resumed = lastJson(aws.ok(register.toArray(String[]::new)));
        assertThat(resumed.path("registered")).isEmpty();
        assertThat(resumed.path("skipped").asInt()).isEqualTo(DEVICES);
        // And with a fresh state file, so every call reaches the endpoint again.
        List<String> fresh = new ArrayList<>(register);
        fresh.addAll(List.of("--state", work.resolve("aws-register-again.jsonl").toString()));
        JsonNode again = lastJson(aws.ok(fresh.toArray(String[]::new)));
        assertThat(again.path("registered")).hasSize(DEVICES);
        assertThat(again.path("registered").toString())
                .isEqualTo(first.path("registered").toString());
        Map<String, Long> after = awsAudit();
        assertThat(after)
                .containsEntry("aws.certificate.register", (long) DEVICES)
                .containsEntry("aws.thing-group.create", 1L)
                .containsEntry("aws.thing-group.add", (long) DEVICES)
                // AttachPolicy is recorded per request, the attachment itself kept once
                .containsEntry("aws.policy.attach", 2L * DEVICES)
                .doesNotContainKey("aws.thing.create");
        assertThat(groupMembers(AWS_GROUP)).containsExactlyInAnyOrderElementsOf(serials);
        assertThat(Api.get(fleet.url + "/api/v1/devices?limit=1000", tokens.get("viewer")))
                .hasSize(DEVICES);
        s.tell(
                "register again: exit 0, %d skipped from its state file; with a fresh state file exit 0, the same %d things and certificates found again (ResourceAlreadyExistsException reused), no new thing, certificate or member: %d devices, audit %s",
                resumed.path("skipped").asInt(), again.path("registered").size(), DEVICES, after);
    }

    /** The JSON document a {@code --json} command printed last on stdout. */
    static JsonNode lastJson(String stdout) throws java.io.IOException {
        String[] lines = stdout.strip().split("\n");
        return Api.JSON.readTree(lines[lines.length - 1]);
    }

    /** How many audit entries of each {@code aws.*} action the fleet service holds. */
    Map<String, Long> awsAudit() throws Exception {
        Map<String, Long> counts = new java.util.TreeMap<>();
        for (JsonNode e :
                Api.get(fleetUrl() + "/api/v1/audit?limit=5000", tokens.get("fleet-admin"))
                        .path("entries")) {
            String action = e.path("action").asText();
            if (action.startsWith("aws.")) counts.merge(action, 1L, Long::sum);
        }
        return counts;
    }

    List<String> groupMembers(String group) throws Exception {
        List<String> members = new ArrayList<>();
        Api.get(fleetUrl() + "/api/v1/groups/" + group, tokens.get("viewer"))
                .path("members")
                .forEach(m -> members.add(m.asText()));
        return members;
    }

    /** Each replica's HTTPS listener, by replica name. */
    final Map<String, String> fleetHttps = new HashMap<>();

    ServiceProcess startFleetReplica(String name, String jdbc) throws Exception {
        int httpsPort = Ports.free();
        fleetHttps.put(name, "https://127.0.0.1:" + httpsPort);
        return ServiceProcess.start(
                name,
                "meerkat.fleet-service.jar",
                Map.ofEntries(
                        // HTTPS beside HTTP, asking for client certificates of the device CA
                        // (quarkus.http.ssl.client-auth=request is the service's default)
                        Map.entry("quarkus.http.ssl-port", String.valueOf(httpsPort)),
                        Map.entry(
                                "quarkus.tls.key-store.pem.0.cert",
                                broker.fleetHttpsCertificate().toString()),
                        Map.entry(
                                "quarkus.tls.key-store.pem.0.key",
                                broker.fleetHttpsKey().toString()),
                        Map.entry("quarkus.tls.trust-store.pem.certs", deviceChain.toString()),
                        Map.entry("meerkat.fleet.aws.access-keys-file", awsKeys.toString()),
                        Map.entry("meerkat.fleet.aws.region", AWS_REGION),
                        Map.entry("meerkat.fleet.aws.account-id", AWS_ACCOUNT),
                        Map.entry("meerkat.fleet.data-dir", fleetData.toString()),
                        Map.entry("quarkus.datasource.h2.active", "false"),
                        Map.entry("quarkus.datasource.pg.active", "true"),
                        Map.entry("quarkus.datasource.pg.jdbc.url", jdbc),
                        Map.entry("quarkus.datasource.pg.username", "meerkat"),
                        Map.entry("quarkus.datasource.pg.password", "unused"),
                        Map.entry("meerkat.fleet.storage.kind", "s3"),
                        Map.entry("meerkat.fleet.storage.endpoint", s3.endpoint),
                        Map.entry("meerkat.fleet.storage.bucket", ObjectStore.BUCKET),
                        Map.entry("meerkat.fleet.engine.tick", "PT0.2S"),
                        Map.entry("meerkat.fleet.mqtt.server", broker.url()),
                        Map.entry("meerkat.fleet.mqtt.ca-file", broker.caCertificate().toString()),
                        Map.entry(
                                "meerkat.fleet.mqtt.client-p12",
                                broker.fleetServiceP12().toString()),
                        Map.entry("meerkat.fleet.mqtt.resend-after", "PT5S"),
                        Map.entry("meerkat.fleet.device-crl.url", signing.url + "/api/v1/pki/crl"),
                        Map.entry("meerkat.fleet.device-crl.issuer", deviceChain.toString()),
                        Map.entry("meerkat.fleet.device-crl.refresh", "PT10S")),
                Map.of(
                        "MEERKAT_FLEET_STORAGE_ACCESS_KEY", ObjectStore.ACCESS_KEY,
                        "MEERKAT_FLEET_STORAGE_SECRET_KEY", ObjectStore.SECRET_KEY,
                        "MEERKAT_FLEET_MQTT_CLIENT_P12_PASSWORD", Broker.P12_PASSWORD),
                work);
    }

    Path releases;

    @Test
    @Order(2)
    void release() throws Exception {
        Story s = new Story("release");
        releases = work.resolve("releases");
        // The release engineer builds and signs; the production key holds every signature until two
        // of the three approvers (alice, bob, carol) approve it.
        Pattern pending = Pattern.compile("signing request (\\S+) needs (\\d+) approvals");
        Set<String> approved = ConcurrentHashMap.newKeySet();
        List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
        Process build =
                signingAs("release-engineer")
                        .start(
                                work.resolve("fleet-build.log"),
                                line -> {
                                    Matcher m = pending.matcher(line);
                                    if (m.find()) requests.add(m.group(1));
                                },
                                "fleet",
                                "build",
                                "--remote",
                                signing.url,
                                "--key-id",
                                "fw-prod",
                                "-o",
                                releases.toString());
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (build.isAlive()) {
            assertThat(System.nanoTime()).as("fleet build finished").isLessThan(deadline);
            for (String id : requests) {
                if (approved.add(id)) {
                    signingAs("alice").ok("approve", id, "-m", "reviewed the v-bump");
                    signingAs("bob").ok("approve", id, "-m", "ok");
                    s.tell("signing request %s approved by alice and bob (2 of 3)", id);
                }
            }
            Thread.sleep(200);
        }
        assertThat(build.exitValue())
                .as(Files.readString(work.resolve("fleet-build.log")))
                .isZero();
        assertThat(approved).hasSize(3);
        for (String name : List.of("v1", "v2", "v2-broken")) {
            Path image = releases.resolve(name + ".bin");
            cli.ok("verify", "-k", releaseKey.toString(), image.toString());
        }
        s.tell("v1, v2 and v2-broken signed with fw-prod and verified against its public key");

        Cli aws =
                cli.with(
                        Map.of(
                                "AWS_ACCESS_KEY_ID", ObjectStore.ACCESS_KEY,
                                "AWS_SECRET_ACCESS_KEY", ObjectStore.SECRET_KEY));
        for (String name : List.of("v2", "v2-broken")) {
            Path image = releases.resolve(name + ".bin");
            String out =
                    aws.ok(
                            "cloud",
                            "aws",
                            "publish",
                            image.toString(),
                            "--bucket",
                            ObjectStore.BUCKET,
                            "--key",
                            "firmware/" + name + ".bin",
                            "--endpoint",
                            s3.endpoint,
                            "--region",
                            "us-east-1",
                            "--json");
            String[] outLines = out.strip().split("\n");
            JsonNode published = Api.JSON.readTree(outLines[outLines.length - 1]);
            assertThat(Api.bytes(published.path("presignedUrl").asText()))
                    .isEqualTo(Files.readAllBytes(image));
            s.tell(
                    "%s published to S3 as %s (sha256 %s…), the presigned URL serves the same bytes",
                    name,
                    published.path("s3Uri").asText(),
                    published.path("sha256").asText().substring(0, 12));
            fleetAs("release-manager")
                    .ok("release", "upload", image.toString(), "--id", "e2e-" + name);
        }
        JsonNode list = Api.get(fleet.url + "/api/v1/releases", tokens.get("viewer"));
        assertThat(list.toString()).contains("e2e-v2", "e2e-v2-broken");
        s.tell(
                "both uploaded to the fleet service as releases e2e-v2 and e2e-v2-broken (verified on upload)");
    }

    @Test
    @Order(3)
    void delivery() throws Exception {
        Story s = new Story("delivery");
        for (Devices.Chip chip : chips) {
            devices.start(chip, "first", broker, releaseKey, releases.resolve("v1.bin"));
        }
        devices.awaitUp("1.0.0", Duration.ofMinutes(3));
        awaitConnected(chips.stream().map(Devices.Chip::id).toList(), 0, Duration.ofMinutes(2));
        s.tell(
                "%d devices run v1 from their chips' identities, connected to Mosquitto over mTLS",
                chips.size());

        List<String> ids = chips.stream().map(Devices.Chip::id).toList();
        fleetAs("operator")
                .ok("groups", "create", "e2e-factory", "--member", String.join(",", ids));
        deployAndWatch(
                "e2e-v2-rollout",
                "e2e-v2",
                0,
                "--phase",
                "10%",
                "--phase",
                "40%",
                "--phase",
                "rest");
        JsonNode ex = executions("e2e-v2-rollout");
        assertThat(ex).hasSize(DEVICES);
        ex.forEach(
                e -> assertThat(e.path("state").asText()).as(e.toString()).isEqualTo("SUCCEEDED"));
        JsonNode status =
                Api.get(fleet.url + "/api/v1/deployments/e2e-v2-rollout", tokens.get("viewer"));
        s.tell(
                "v2 rolled out in 3 phases (%s devices): COMPLETED, all %d executions SUCCEEDED",
                phaseSizes(status), DEVICES);

        deployAndWatch("e2e-broken-rollout", "e2e-v2-broken", 1, "--phase", "2", "--phase", "rest");
        JsonNode broken = executions("e2e-broken-rollout");
        int failed = 0;
        int canceled = 0;
        for (JsonNode e : broken) {
            switch (e.path("state").asText()) {
                case "FAILED" -> {
                    failed++;
                    assertThat(e.path("rollbackReason").asText())
                            .as(e.toString())
                            .contains("TEST_BOOT_FAULT");
                }
                case "CANCELED" -> canceled++;
                default -> throw new AssertionError("unexpected execution " + e);
            }
        }
        assertThat(failed).isBetween(1, 2);
        assertThat(failed + canceled).isEqualTo(DEVICES);
        s.tell(
                "v2-broken ABORTED in phase 1: %d device(s) took it, failed their test boot and rolled back (TEST_BOOT_FAULT); %d never told",
                failed, canceled);

        Cli.Result verify =
                signingAs("auditor").run("audit", "verify", "--url", signing.url, "--json");
        assertThat(verify.exit()).as(verify.both()).isZero();
        s.tell("meerkat audit verify on the signing service: %s", verify.out().strip());
        Cli.Result fleetVerify =
                cli.with(Map.of("MEERKAT_TOKEN", tokens.get("viewer")))
                        .run("audit", "verify", "--url", fleet.url, "--json");
        assertThat(fleetVerify.exit()).as(fleetVerify.both()).isZero();
        s.tell("meerkat audit verify on the fleet service: %s", fleetVerify.out().strip());
        JsonNode audit = Api.get(fleet.url + "/api/v1/audit?limit=5000", tokens.get("fleet-admin"));
        long succeeded = 0;
        for (JsonNode e : audit.path("entries")) {
            if (e.path("subject").asText().startsWith("e2e-v2-rollout/")
                    && e.path("action").asText().equals("execution.succeeded")) succeeded++;
        }
        assertThat(succeeded).isEqualTo(DEVICES);
        s.tell(
                "fleet service audit trail: one execution.succeeded entry per device of the v2 rollout");
    }

    String phaseSizes(JsonNode status) {
        List<String> sizes = new ArrayList<>();
        status.path("phases").forEach(p -> sizes.add(p.path("devices").asText()));
        return String.join("+", sizes);
    }

    /** Creates a deployment with the CLI and follows it with {@code deploy status --watch}. */
    void deployAndWatch(String id, String release, int expectedExit, String... phases)
            throws Exception {
        Process watch = deploy(id, release, phases);
        assertThat(watch.waitFor(6, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
        assertThat(watch.exitValue())
                .as(Files.readString(work.resolve(id + ".watch.log")))
                .isEqualTo(expectedExit);
    }

    /** Creates a deployment with the CLI and starts {@code deploy status --watch} on it. */
    Process deploy(String id, String release, String... options) throws Exception {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "deploy",
                                "create",
                                "--id",
                                id,
                                "--release",
                                release,
                                "--group",
                                "e2e-factory",
                                "--no-auto-pause",
                                "--abort",
                                "FAILED:50:1",
                                "--timeout",
                                "300"));
        args.addAll(List.of(options));
        fleetAs("release-manager").ok(args.toArray(String[]::new));
        return fleetAs("viewer")
                .start(
                        work.resolve(id + ".watch.log"),
                        line -> {},
                        "deploy",
                        "status",
                        id,
                        "--watch",
                        "--interval",
                        "1");
    }

    JsonNode executions(String deployment) throws Exception {
        return Api.get(
                fleetUrl() + "/api/v1/deployments/" + deployment + "/executions",
                tokens.get("viewer"));
    }

    /** Waits until the broker logged a connection of each id after {@code from} characters. */
    void awaitConnected(List<String> ids, int from, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String log = broker.log();
            String since = log.length() > from ? log.substring(from) : "";
            List<String> missing =
                    ids.stream().filter(id -> !since.contains(" as " + id + " ")).toList();
            if (missing.isEmpty()) return;
            if (System.nanoTime() > deadline)
                throw new AssertionError("not connected to the broker: " + missing);
            Thread.sleep(250);
        }
    }

    @Test
    @Order(4)
    void failover() throws Exception {
        Story s = new Story("failover");
        // The same delivery again: the devices are reset to the factory (new directories, same
        // chips
        // and certificates, v1), and the fleet service runs as two replicas.
        devices.close();
        for (Devices.Chip chip : chips) {
            devices.start(chip, "reset", broker, releaseKey, releases.resolve("v1.bin"));
        }
        fleetReplica = startFleetReplica("fleet-service-b", fleetJdbc);
        devices.awaitUp("1.0.0", Duration.ofMinutes(3));
        s.tell(
                "devices reset to v1; a second fleet-service replica up at %s (same PostgreSQL, bucket and broker)",
                fleetReplica.url);
        // Released at 40 a minute, so the rollout lasts long enough to lose a replica in it.
        Process watch =
                deploy(
                        "e2e-failover",
                        "e2e-v2",
                        "--phase",
                        "10%",
                        "--phase",
                        "40%",
                        "--phase",
                        "rest",
                        "--max-per-minute",
                        "40");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        int done;
        do {
            assertThat(System.nanoTime()).as("rollout progressed").isLessThan(deadline);
            Thread.sleep(250);
            done = 0;
            for (JsonNode e : executions("e2e-failover")) {
                if (e.path("state").asText().equals("SUCCEEDED")) done++;
            }
        } while (done < DEVICES / 4);
        fleet.kill();
        s.tell(
                "replica %s (pid %d) killed with SIGKILL after %d of %d devices succeeded",
                fleet.name, fleet.pid(), done, DEVICES);
        assertThat(watch.waitFor(6, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
        assertThat(watch.exitValue())
                .as(Files.readString(work.resolve("e2e-failover.watch.log")))
                .isZero();
        JsonNode ex = executions("e2e-failover");
        assertThat(ex).hasSize(DEVICES);
        Map<String, Integer> states = new java.util.TreeMap<>();
        ex.forEach(e -> states.merge(e.path("state").asText(), 1, Integer::sum));
        Map<String, Integer> finals = new HashMap<>();
        for (JsonNode e :
                Api.get(fleetUrl() + "/api/v1/audit?limit=5000", tokens.get("fleet-admin"))
                        .path("entries")) {
            String action = e.path("action").asText();
            if (e.path("subject").asText().startsWith("e2e-failover/")
                    && FINAL_ACTIONS.contains(action)) {
                finals.merge(e.path("subject").asText(), 1, Integer::sum);
            }
        }
        assertThat(finals).hasSize(DEVICES).allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo(1));
        assertThat(states).containsEntry("SUCCEEDED", DEVICES);
        s.tell(
                "the surviving replica finished the rollout (COMPLETED, %s); every execution has exactly one final audit entry",
                states);
        Cli.Result verify =
                cli.with(Map.of("MEERKAT_TOKEN", tokens.get("viewer")))
                        .run("audit", "verify", "--url", fleetUrl(), "--json");
        assertThat(verify.exit()).as(verify.both()).isZero();
        s.tell(
                "meerkat audit verify on the surviving replica (a chain both replicas wrote): %s",
                verify.out().strip());
    }

    static final Set<String> FINAL_ACTIONS =
            Set.of(
                    "execution.succeeded",
                    "execution.failed",
                    "execution.rejected",
                    "execution.timed_out",
                    "execution.canceled",
                    "execution.removed");

    @Test
    @Order(5)
    void hostile() throws Exception {
        Story s = new Story("hostile");
        Devices.Chip stolen = chips.get(chips.size() - 1);
        signingAs("admin").ok("pki", "revoke", stolen.certSerial(), "--reason", "keyCompromise");
        s.tell(
                "chip %s reported stolen: its certificate %s revoked (keyCompromise)",
                stolen.id(), stolen.certSerial());
        devices.stop(stolen.id());
        int mark = broker.log().length();
        broker.start(deviceChain, Api.bytes(signing.url + "/api/v1/pki/crl"));
        s.tell("Mosquitto restarted with the new CRL");
        devices.start(stolen, "stolen", broker, releaseKey, releases.resolve("v1.bin"));
        Devices.Chip good = chips.get(0);
        awaitConnected(List.of(good.id()), mark, Duration.ofMinutes(1));
        // the stolen device tries again and again; every attempt fails the handshake
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String since = "";
        while (System.nanoTime() < deadline) {
            since = broker.log().substring(mark);
            if (since.split("certificate verify failed", -1).length > 3) break;
            Thread.sleep(250);
        }
        assertThat(since)
                .contains("certificate verify failed")
                .doesNotContain(" as " + stolen.id() + " ");
        String verdict = broker.verifyWithCrl(stolen.certificateChain());
        assertThat(verdict).contains("certificate revoked");
        assertThat(broker.verifyWithCrl(good.certificateChain())).contains(": OK");
        s.tell(
                "the broker refuses %s at the TLS handshake (openssl with the broker's CRL: %s); %s reconnected",
                stolen.id(),
                verdict.lines().filter(l -> l.contains("revoked")).findFirst().orElse("").strip(),
                good.id());

        Cli.Result again =
                cli.run(
                        "provision",
                        "--service",
                        signing.url,
                        "--token",
                        tokens.get("station-1"),
                        "--chip",
                        "emulator:" + stolen.state(),
                        "--log",
                        work.resolve("again.jsonl").toString());
        assertThat(again.exit()).as(again.both()).isEqualTo(1);
        assertThat(again.both()).contains("revoked");
        s.tell("the signing service refuses to certify the chip again: %s", lastLine(again.both()));

        fleetRefusesOverHttps(s, stolen, good);
    }

    /**
     * The fleet service's own HTTPS API refuses the revoked device: each device calls its update
     * endpoint ({@code GET /api/v1/device/<id>/next}) presenting its certificate chain, the TLS
     * handshake signed inside its chip, which {@code meerkat chip serve} exposes over the kit
     * protocol. The device processes are stopped first: a chip is used by one holder at a time.
     */
    void fleetRefusesOverHttps(Story s, Devices.Chip stolen, Devices.Chip good) throws Exception {
        devices.stop(stolen.id());
        devices.stop(good.id());
        ServiceProcess live = fleetReplica != null ? fleetReplica : fleet;
        String https = fleetHttps.get(live.name);
        try (KitServer stolenKit = serveChip(stolen);
                KitServer goodKit = serveChip(good);
                KitChip stolenChip = KitChip.connect("127.0.0.1", stolenKit.port());
                KitChip goodChip = KitChip.connect("127.0.0.1", goodKit.port())) {
            s.tell(
                    "both chips served over the kit protocol by `meerkat chip serve` (:%d, :%d); their devices stopped",
                    stolenKit.port(), goodKit.port());
            ChipTls.Answer served =
                    ChipTls.get(
                            https + "/api/v1/device/" + good.id() + "/next",
                            good.certificateChain(),
                            goodChip,
                            broker.caCertificate());
            assertThat(served.status()).as(served.body()).isEqualTo(204);
            s.tell(
                    "%s calls GET /api/v1/device/%s/next on %s's HTTPS listener, the handshake signed in its chip: %d (nothing to do)",
                    good.id(), good.id(), live.name, served.status());
            // the replica reloads the signing service's CRL every 10 s
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            int attempts = 0;
            ChipTls.Answer refused;
            while (true) {
                attempts++;
                refused =
                        ChipTls.get(
                                https + "/api/v1/device/" + stolen.id() + "/next",
                                stolen.certificateChain(),
                                stolenChip,
                                broker.caCertificate());
                if (refused.status() == 401 || System.nanoTime() > deadline) break;
                Thread.sleep(1000);
            }
            assertThat(refused.status()).as(refused.body()).isEqualTo(401);
            assertThat(refused.contentType()).startsWith("application/problem+json");
            assertThat(refused.body()).contains("revoked").contains("KEY_COMPROMISE");
            s.tell(
                    "%s the same with its chip-held key: %d %s (attempt %d)",
                    stolen.id(),
                    refused.status(),
                    Api.JSON.readTree(refused.body()).path("detail").asText(refused.body()),
                    attempts);
        }
        long refusals = 0;
        for (JsonNode e :
                Api.get(fleetUrl() + "/api/v1/audit?limit=5000", tokens.get("fleet-admin"))
                        .path("entries")) {
            if (e.path("action").asText().equals("device.certificate-refused")
                    && e.path("subject").asText().equals(stolen.id())) refusals++;
        }
        assertThat(refusals).isPositive();
        s.tell(
                "the fleet service's audit trail holds %d device.certificate-refused entr%s for %s",
                refusals, refusals == 1 ? "y" : "ies", stolen.id());
    }

    /** {@code meerkat chip serve} for a chip's emulator state, on a free loopback port. */
    KitServer serveChip(Devices.Chip chip) throws Exception {
        java.util.concurrent.CompletableFuture<Integer> port =
                new java.util.concurrent.CompletableFuture<>();
        Pattern serving = Pattern.compile("serving the kit protocol on tcp:[^:]+:(\\d+)");
        Process p =
                cli.start(
                        work.resolve("chip-serve-" + chip.id() + ".log"),
                        line -> {
                            Matcher m = serving.matcher(line);
                            if (m.find()) port.complete(Integer.parseInt(m.group(1)));
                        },
                        "chip",
                        "serve",
                        "--kit",
                        "tcp:127.0.0.1:0",
                        "--state",
                        chip.state().toString());
        p.onExit()
                .thenRun(
                        () ->
                                port.completeExceptionally(
                                        new IllegalStateException(
                                                "meerkat chip serve exited " + p.exitValue())));
        return new KitServer(p, port.get(2, java.util.concurrent.TimeUnit.MINUTES));
    }

    record KitServer(Process process, int port) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            process.destroy();
            process.waitFor();
        }
    }

    static String lastLine(String text) {
        String[] l = text.strip().split("\n");
        return l[l.length - 1];
    }
}
