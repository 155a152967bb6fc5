package dev.meerkat.fleet.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cloud.aws.broker.JobsMosquitto;
import dev.meerkat.cloud.aws.broker.TestPki;
import dev.meerkat.cloud.aws.ota.AfrOtaDocument;
import dev.meerkat.cloud.aws.ota.AfrOtaFile;
import dev.meerkat.firmware.Board;
import dev.meerkat.firmware.BoardListener;
import dev.meerkat.firmware.crypto.ChipSecureElement;
import dev.meerkat.firmware.crypto.DeviceChip;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.fleetsim.ImageServer;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CertificateStatus;
import software.amazon.awssdk.services.iot.model.JobExecution;
import software.amazon.awssdk.services.iot.model.JobStatus;

/**
 * Emulated Meerkat boards (keys in an emulated ATECC608, mTLS to a real Mosquitto with the
 * per-thing ACL) run fleet-service's AWS IoT jobs with the firmware's Jobs agent: a v2 job succeeds
 * on every board, one of them losing power mid-download and resuming; a broken v2 fails with the
 * bootloader's rollback reason stored on the execution.
 *
 * <p>{@code -Dmeerkat.aws.agent.fleet=50} runs the v2 job on that many boards (docs/aws.md has the
 * figure); the default run uses two.
 */
@QuarkusTest
@TestProfile(JobsBrokerProfile.class)
class JobsAgentAgainstFleetTest {

    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final SigningKey KEY = SigningKey.generate(KeyType.ECDSA_P256);

    /** Every board's log, for failure messages. */
    private final Map<String, List<String>> logs = new ConcurrentHashMap<>();

    @Test
    void jobsRunToSucceededAndFailedWithTheRollbackReasonAndSurviveAPowerCut() throws Exception {
        int fleet = Math.max(2, Integer.getInteger("meerkat.aws.agent.fleet", 2));
        JobsBrokerResource.Running env = JobsBrokerResource.running;
        byte[] v1 = ExampleApps.image("v1", KEY, null, 64 * 1024);
        byte[] v2 = ExampleApps.image("v2", KEY, null, 64 * 1024);
        byte[] broken = ExampleApps.image("v2-broken", KEY, null, 64 * 1024);
        List<Board> boards = new ArrayList<>();
        try (ImageServer images = new ImageServer(false);
                IotClient registrar = IotSdkAgainstFleetTest.client(AwsProfile.REGISTRAR);
                IotClient deployer = IotSdkAgainstFleetTest.client(AwsProfile.DEPLOYER)) {
            String v2Url = images.put("v2.bin", v2);
            String brokenUrl = images.put("v2-broken.bin", broken);
            List<String> v2Things = new ArrayList<>();
            List<String> v2Arns = new ArrayList<>();
            AtomicBoolean cut = new AtomicBoolean();
            for (int i = 0; i < fleet; i++) {
                String thing = "mk-agent-" + i;
                Board b =
                        board(
                                env,
                                registrar,
                                thing,
                                v1,
                                i == 0 ? cut : null,
                                i == 1 ? () -> operatorNote(env, deployer, thing) : null);
                boards.add(b);
                v2Things.add(thing);
                v2Arns.add(arn(thing));
            }
            Board brokenBoard = board(env, registrar, "mk-agent-broken", v1, null, null);
            boards.add(brokenBoard);
            Board forgedBoard = board(env, registrar, "mk-agent-forged", v1, null, null);
            boards.add(forgedBoard);
            for (Board b : boards) {
                b.start();
            }
            String v2Document = document(v2Url, v2);
            String brokenDocument = document(brokenUrl, broken);
            // v2 signed by a key the devices do not trust
            String forgedDocument = document(v2Url, v2, SigningKey.generate(KeyType.ECDSA_P256));
            long started = System.nanoTime();
            deployer.createJob(r -> r.jobId("mk-v2").targets(v2Arns).document(v2Document));
            deployer.createJob(
                    r ->
                            r.jobId("mk-v2-broken")
                                    .targets(arn("mk-agent-broken"))
                                    .document(brokenDocument));
            deployer.createJob(
                    r ->
                            r.jobId("mk-v2-forged")
                                    .targets(arn("mk-agent-forged"))
                                    .document(forgedDocument));

            for (String thing : v2Things) {
                JobExecution e = terminal(deployer, "mk-v2", thing);
                assertThat(e.statusAsString())
                        .as(thing + ": " + logs.get(thing))
                        .isEqualTo("SUCCEEDED");
                assertThat(e.statusDetails().detailsMap()).containsEntry("version", "2.0.0");
            }
            long seconds = (System.nanoTime() - started) / 1_000_000_000L;
            System.out.printf("%d boards ran job mk-v2 to SUCCEEDED in %d s%n", fleet, seconds);
            awaitJob(deployer, "mk-v2");
            for (int i = 0; i < fleet; i++) {
                Board b = boards.get(i);
                assertThat(b.await(x -> x.isUp() && x.runningVersion().equals("2.0.0"), WAIT))
                        .isTrue();
            }

            // the board that lost power mid-download resumed the download and the job
            assertThat(cut).isTrue();
            List<String> cutLog = logs.get("mk-agent-0");
            assertThat(cutLog).anyMatch(l -> l.contains("ota: resuming download of " + v2Url));
            assertThat(cutLog).anyMatch(l -> l.contains("aws: resuming job mk-v2 (DOWNLOADING)"));

            // a report refused for a stale expectedVersion was sent again after a describe
            assertThat(logs.get("mk-agent-1")).anyMatch(l -> l.contains("is stale; describing"));

            JobExecution failed = terminal(deployer, "mk-v2-broken", "mk-agent-broken");
            assertThat(failed.statusAsString())
                    .as(logs.get("mk-agent-broken").toString())
                    .isEqualTo("FAILED");
            assertThat(failed.statusDetails().detailsMap())
                    .containsEntry("rollbackReason", "TEST_BOOT_FAULT")
                    .containsEntry("running", "1.0.0");
            assertThat(
                            deployer.describeJob(r -> r.jobId("mk-v2-broken"))
                                    .job()
                                    .jobProcessDetails()
                                    .numberOfFailedThings())
                    .isEqualTo(1);
            assertThat(brokenBoard.runningVersion()).isEqualTo("1.0.0");

            JobExecution forged = terminal(deployer, "mk-v2-forged", "mk-agent-forged");
            assertThat(forged.statusAsString()).isEqualTo("FAILED");
            assertThat(forged.statusDetails().detailsMap())
                    .containsEntry("reason", "sig-sha256-ecdsa does not verify with a trusted key")
                    .doesNotContainKey("rollbackReason");
            assertThat(forgedBoard.runningVersion()).isEqualTo("1.0.0");
            assertThat(forgedBoard.boots()).as("nothing was installed").isEqualTo(1);
        } finally {
            for (Board b : boards) {
                b.close();
            }
        }
    }

    private Board board(
            JobsBrokerResource.Running env,
            IotClient registrar,
            String thing,
            byte[] factoryImage,
            AtomicBoolean cutMidDownload,
            Runnable midDownload)
            throws Exception {
        ChipSecureElement bare = new ChipSecureElement(DeviceChip.emulated(), List.of());
        ChipSecureElement se =
                bare.withCertificate(List.of(env.pki().issueFor(thing, bare.identityPublicKey())));
        registrar.createThing(r -> r.thingName(thing));
        String certArn =
                registrar
                        .registerCertificateWithoutCA(
                                r ->
                                        r.certificatePem(
                                                        TestPki.pem(se.certificate().orElseThrow()))
                                                .status(CertificateStatus.ACTIVE))
                        .certificateArn();
        registrar.attachThingPrincipal(r -> r.thingName(thing).principal(certArn));

        ObjectNode conf = Json.object();
        conf.putObject("aws")
                .put("enable", true)
                .put("server", env.broker().uri())
                .put("ssl_ca_cert", "ca.pem")
                .put("poll_interval", 5);
        // small steps, so that a download spans several checkpoints and a cut lands inside it
        conf.putObject("ota").put("chunk", 4096).put("checkpoint", 8192).put("retries", 30);
        List<String> log = new CopyOnWriteArrayList<>();
        logs.put(thing, log);
        Board[] self = new Board[1];
        AtomicBoolean midDownloadDone = new AtomicBoolean();
        BoardListener listener =
                new BoardListener() {
                    @Override
                    public void log(String deviceId, String line) {
                        log.add(line);
                        // after the operator's update, the download pauses (connection drops,
                        // retried with backoff) until the agent has met the stale version, so
                        // that the install and reboot cannot overtake its next report
                        if (midDownloadDone.get()
                                && line.contains("; resuming at")
                                && log.stream().noneMatch(l -> l.contains("is stale"))) {
                            self[0].faults().dropDownloadAfter(0);
                        }
                    }

                    @Override
                    public void event(String deviceId, String subtopic, JsonNode payload) {
                        if (cutMidDownload != null
                                && subtopic.equals("ota")
                                && payload.path("progress").asInt() >= 40
                                && cutMidDownload.compareAndSet(false, true)) {
                            self[0].device().power().cutAfter(1);
                        }
                        if (midDownload != null
                                && subtopic.equals("ota")
                                && payload.path("progress").asInt() >= 20
                                && midDownloadDone.compareAndSet(false, true)) {
                            midDownload.run();
                            self[0].faults().dropDownloadAfter(0);
                        }
                    }
                };
        Board b =
                Board.builder(thing)
                        .rootOfTrust(
                                RootOfTrust.of(
                                        ProvisionedKey.publicKey(
                                                KEY.verificationKey().publicKey().getEncoded())))
                        .factoryImage(factoryImage)
                        .factoryConfig(conf)
                        .factoryFile("ca.pem", env.pki().ca.certPem())
                        .secureElement(se)
                        .listener(listener)
                        .tickMillis(5)
                        .build();
        self[0] = b;
        return b;
    }

    /**
     * Another client (the service's identity, allowed on every thing's topics) updates the
     * execution while the device downloads, so the device's next report carries a stale
     * expectedVersion. Runs on the device's loop, which waits until the service applied it.
     */
    private static void operatorNote(
            JobsBrokerResource.Running env, IotClient deployer, String thing) {
        try {
            TestPki.Issued id = env.pki().issue(JobsMosquitto.SERVICE_USER, false);
            MqttClient c =
                    new MqttClient(env.broker().uri(), "mk-operator", new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setSocketFactory(env.pki().clientSocketFactory(id));
            c.connect(o);
            c.publish(
                    "$aws/things/" + thing + "/jobs/mk-v2/update",
                    ("{\"status\":\"IN_PROGRESS\",\"statusDetails\":{\"note\":\"operator\"},"
                                    + "\"clientToken\":\"operator\"}")
                            .getBytes(StandardCharsets.UTF_8),
                    1,
                    false);
            c.disconnect();
            c.close();
            Instant end = Instant.now().plus(Duration.ofSeconds(20));
            while (!deployer.describeJobExecution(r -> r.jobId("mk-v2").thingName(thing))
                    .execution()
                    .statusDetails()
                    .detailsMap()
                    .containsKey("note")) {
                if (Instant.now().isAfter(end)) {
                    throw new AssertionError("the operator's update was not applied");
                }
                Thread.sleep(50);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String arn(String thing) {
        return "arn:aws:iot:" + AwsProfile.REGION + ":" + AwsProfile.ACCOUNT + ":thing/" + thing;
    }

    private static String document(String url, byte[] image) throws Exception {
        return document(url, image, KEY);
    }

    private static String document(String url, byte[] image, SigningKey signer) throws Exception {
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(image);
        String sig = Base64.getEncoder().encodeToString(signer.signDigest(sha));
        return new AfrOtaDocument(
                        List.of("HTTP"),
                        null,
                        List.of(AfrOtaFile.http("/fw.bin", image.length, url, sig)))
                .toJobDocumentString();
    }

    private JobExecution terminal(IotClient deployer, String jobId, String thing)
            throws InterruptedException {
        Instant end = Instant.now().plus(WAIT);
        while (true) {
            JobExecution e =
                    deployer.describeJobExecution(r -> r.jobId(jobId).thingName(thing)).execution();
            String s = e.statusAsString();
            if (s.equals("SUCCEEDED") || s.equals("FAILED") || s.equals("CANCELED")) {
                return e;
            }
            assertThat(Instant.now())
                    .as(jobId + " on " + thing + " ends (now " + s + "): " + logs.get(thing))
                    .isBefore(end);
            Thread.sleep(200);
        }
    }

    private static void awaitJob(IotClient deployer, String jobId) throws InterruptedException {
        Instant end = Instant.now().plus(Duration.ofSeconds(30));
        while (deployer.describeJob(r -> r.jobId(jobId)).job().status() != JobStatus.COMPLETED) {
            assertThat(Instant.now()).as("job " + jobId + " completes").isBefore(end);
            Thread.sleep(100);
        }
    }
}
