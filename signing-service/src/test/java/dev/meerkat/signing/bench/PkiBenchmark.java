package dev.meerkat.signing.bench;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.emulator.EmulatedChip;
import dev.meerkat.chip.emulator.EmulatorTransport;
import dev.meerkat.chip.emulator.StateFile;
import dev.meerkat.chip.emulator.TimingModel;
import dev.meerkat.chip.provisioning.ConfigTemplate;
import dev.meerkat.cli.provision.Provisioner;
import dev.meerkat.cli.remote.RemoteClient;
import dev.meerkat.signing.PostgresHsmResource;
import dev.meerkat.signing.TestTokens;
import dev.meerkat.signing.security.Roles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Device PKI benchmark: certificate issuance per second through {@code POST /api/v1/pki/csr} (plain
 * HTTP, bearer token, PostgreSQL, audit on) with the issuing CA key in the software key store and
 * in SoftHSM2, and factory-station throughput with emulated chips under the datasheet timing model.
 *
 * <pre>
 * mvn -B -pl signing-service -am test -Dtest=PkiBenchmark -Dmeerkat.bench=true -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * Options: meerkat.bench.csrs (12000 per point), meerkat.bench.clients (16,64), meerkat.bench.chips
 * (6). Results also go to target/pki-bench.txt.
 */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
@EnabledIfSystemProperty(named = "meerkat.bench", matches = "true")
class PkiBenchmark {
    static final String ADMIN = TestTokens.token("bench-admin", Roles.ADMIN);
    static final String STATION = TestTokens.token("bench-station", Roles.FACTORY_STATION);

    @TestHTTPResource("/")
    URL http;

    private final StringBuilder report = new StringBuilder();

    private void say(String format, Object... args) {
        String line = String.format(format, args);
        System.out.println(line);
        report.append(line).append('\n');
    }

    @Test
    void issuanceAndStationThroughput(@TempDir Path tmp) throws Exception {
        int csrs = Integer.getInteger("meerkat.bench.csrs", 12000);
        int[] clients =
                Arrays.stream(System.getProperty("meerkat.bench.clients", "16,64").split(","))
                        .mapToInt(Integer::parseInt)
                        .toArray();
        say("cores %d, csrs per point %d", Runtime.getRuntime().availableProcessors(), csrs);
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"backend\":\"software\"}")
                .post("/api/v1/pki/root")
                .then()
                .statusCode(201);
        int signer = 10;
        for (String backend : List.of("software", "pkcs11")) {
            given().auth()
                    .oauth2(ADMIN)
                    .contentType(ContentType.JSON)
                    .body("{\"backend\":\"" + backend + "\",\"signerId\":" + signer++ + "}")
                    .post("/api/v1/pki/issuing-ca")
                    .then()
                    .statusCode(201);
            Thread.sleep(2100); // let every cached view of the issuing CA expire
            // JIT warm-up on a few hundred requests
            drive(csrs(400, backend + "-warm"), 16);
            for (int c : clients) {
                List<String> requests = csrs(csrs, backend + "-" + c);
                double[] r = drive(requests, c);
                say(
                        "issuance %-8s clients %3d: %,.0f certificates/s  p50 %.2f ms  p99 %.2f ms  (%d requests)",
                        backend, c, r[0], r[1], r[2], requests.size());
            }
        }

        // Station: emulated ATECC608 with datasheet execution times, one chip at a time and several
        // at once.
        int chips = Integer.getInteger("meerkat.bench.chips", 6);
        Provisioner station =
                new Provisioner(
                        new RemoteClient(http.toString(), STATION, null),
                        ConfigTemplate.load(ConfigTemplate.DEFAULT));
        for (int parallel : new int[] {1, chips}) {
            List<EmulatedChip> emus = new ArrayList<>();
            for (int i = 0; i < chips; i++) {
                EmulatedChip e =
                        StateFile.openOrCreate(
                                tmp.resolve("p" + parallel + "-" + i + ".state"),
                                DeviceType.ATECC608);
                e.timing(TimingModel.DATASHEET);
                emus.add(e);
            }
            ExecutorService pool = Executors.newFixedThreadPool(parallel);
            long t0 = System.nanoTime();
            List<Future<Provisioner.Outcome>> outs = new ArrayList<>();
            for (EmulatedChip e : emus) {
                outs.add(
                        pool.submit(
                                () ->
                                        station.provision(
                                                new Provisioner.Chip(
                                                        "bench",
                                                        new CryptoChip(
                                                                new EmulatorTransport(e),
                                                                e.type(),
                                                                3,
                                                                CryptoChip.Wait.DATASHEET,
                                                                Thread::sleep),
                                                        e))));
            }
            long chipMs = 0;
            long deviceMicros = 0;
            long commands = 0;
            for (Future<Provisioner.Outcome> f : outs) {
                Provisioner.Outcome o = f.get();
                chipMs += o.chipMillis();
                deviceMicros += o.totalMicros();
                commands += o.commands();
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            pool.shutdown();
            double perDevice = deviceMicros / 1e6 / chips;
            say(
                    "station %d chip(s) at once: %d devices in %.1f s -> %,.0f devices/hour; per device %.2f s, %d commands,"
                            + " chip execution %.2f s (%.0f%% of the device's time)",
                    parallel,
                    chips,
                    wall,
                    chips * 3600 / wall,
                    perDevice,
                    commands / chips,
                    chipMs / 1000.0 / chips,
                    100.0 * chipMs / (deviceMicros / 1000.0));
        }
        Files.writeString(
                Path.of("target", "pki-bench.txt"), report.toString(), StandardCharsets.UTF_8);
    }

    private static List<String> csrs(int n, String tag) throws Exception {
        List<String> out = new ArrayList<>(n);
        BouncyCastleProvider bc = new BouncyCastleProvider();
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC", bc);
        g.initialize(new ECGenParameterSpec("secp256r1"));
        JcaContentSignerBuilder sb = new JcaContentSignerBuilder("SHA256withECDSA").setProvider(bc);
        int base = Math.abs(tag.hashCode()) % 0xFFFFFF;
        for (int i = 0; i < n; i++) {
            KeyPair k = g.generateKeyPair();
            String cn = String.format("0123%06X%06XEE", base, i);
            byte[] der =
                    new JcaPKCS10CertificationRequestBuilder(
                                    new X500Name("CN=" + cn), k.getPublic())
                            .build(sb.build(k.getPrivate()))
                            .getEncoded();
            out.add("{\"csr\":\"" + Base64.getEncoder().encodeToString(der) + "\"}");
        }
        return out;
    }

    /**
     * Sends every request once from {@code clients} threads; returns {per second, p50 ms, p99 ms}.
     */
    private double[] drive(List<String> bodies, int clients) throws Exception {
        URI uri = URI.create(http + "api/v1/pki/csr");
        AtomicInteger next = new AtomicInteger();
        long[] latencies = new long[bodies.size()];
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> fs = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            fs.add(
                    pool.submit(
                            () -> {
                                HttpClient client =
                                        HttpClient.newBuilder()
                                                .version(HttpClient.Version.HTTP_1_1)
                                                .build();
                                int i;
                                while ((i = next.getAndIncrement()) < bodies.size()) {
                                    long s = System.nanoTime();
                                    HttpResponse<String> r =
                                            client.send(
                                                    HttpRequest.newBuilder(uri)
                                                            .header(
                                                                    "Authorization",
                                                                    "Bearer " + STATION)
                                                            .header(
                                                                    "Content-Type",
                                                                    "application/json")
                                                            .POST(
                                                                    HttpRequest.BodyPublishers
                                                                            .ofString(
                                                                                    bodies.get(i)))
                                                            .build(),
                                                    HttpResponse.BodyHandlers.ofString());
                                    latencies[i] = System.nanoTime() - s;
                                    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
                                }
                                return null;
                            }));
        }
        for (Future<?> f : fs) f.get();
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        return new double[] {
            bodies.size() / seconds,
            sorted[sorted.length / 2] / 1e6,
            sorted[(int) (sorted.length * 0.99)] / 1e6
        };
    }
}
