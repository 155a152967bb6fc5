package dev.meerkat.cli.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.meerkat.cli.Cli;
import dev.meerkat.cloud.aws.control.IotError;
import dev.meerkat.cloud.aws.control.IotOperation;
import dev.meerkat.cloud.aws.control.Things;
import dev.meerkat.cloud.aws.jobs.JobsJson;
import dev.meerkat.cloud.aws.sigv4.AccessKey;
import dev.meerkat.cloud.aws.sigv4.SigV4Verifier;
import dev.meerkat.cloud.aws.sigv4.SignedRequest;
import dev.meerkat.cloud.aws.sigv4.Verification;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meerkat cloud aws register} against a small in-memory AWS IoT registry that checks SigV4
 * and answers like AWS (409 ResourceAlreadyExistsException with the existing resource's ARN): an
 * interrupted run resumes, a repeated run changes nothing.
 */
class CloudAwsRegisterTest {

    private static final String KEY_ID = "AKIAMEERKATCLITEST2";
    private static final String SECRET = "cli-register-secret-0123456789abcdef";
    private static final String ARN = "arn:aws:iot:eu-west-1:123456789012:";

    @TempDir Path tmp;

    private final Map<String, String> things = new HashMap<>();
    private final Map<String, String> certificates = new HashMap<>();
    private final Set<String> groups = new HashSet<>();
    private final Set<String> policyTargets = new HashSet<>();
    private final Set<String> thingPrincipals = new HashSet<>();
    private final Set<String> groupMembers = new HashSet<>();
    private final Set<String> failPrincipalOnce = new HashSet<>();
    private final List<String> calls = new ArrayList<>();
    private HttpServer server;
    private SigV4Verifier verifier;

    @BeforeEach
    void start() throws IOException {
        System.setProperty("aws.accessKeyId", KEY_ID);
        System.setProperty("aws.secretAccessKey", SECRET);
        verifier =
                new SigV4Verifier(
                        List.of(new AccessKey(KEY_ID, SECRET, "pipeline")),
                        "eu-west-1",
                        Set.of("iot"),
                        Clock.systemUTC(),
                        SigV4Verifier.DEFAULT_MAX_SKEW);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::serve);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    private Cli.Run register(Path log) {
        return Cli.run(
                "cloud",
                "aws",
                "register",
                "--log",
                log.toString(),
                "--policy",
                "meerkat-device",
                "--thing-group",
                "factory-2026",
                "--region",
                "eu-west-1",
                "--endpoint",
                "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void anInterruptedRunResumesAndARepeatedRunChangesNothing() throws Exception {
        StringBuilder log = new StringBuilder();
        for (String serial : List.of("0123aa01", "0123aa02", "0123aa03")) {
            log.append(
                            JobsJson.mapper()
                                    .writeValueAsString(
                                            Map.of(
                                                    "serial",
                                                    serial,
                                                    "fingerprint",
                                                    "fp" + serial,
                                                    "certificatePem",
                                                    "-----BEGIN CERTIFICATE-----\nMIIB"
                                                            + serial
                                                            + "\n-----END CERTIFICATE-----\n")))
                    .append('\n');
        }
        Path file = Files.writeString(tmp.resolve("provisioning.jsonl"), log);
        failPrincipalOnce.add("chip-0123aa02");

        Cli.Run first = register(file);
        assertThat(first.exitCode()).as(first.err()).isEqualTo(3);
        assertThat(first.err())
                .contains(
                        "registering chip-0123aa02 failed (1 registered in this run; run again to "
                                + "resume)");
        assertThat(Files.readAllLines(tmp.resolve("provisioning.jsonl.aws.jsonl"))).hasSize(1);

        Cli.Run second = register(file);
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).endsWith("2 registered, 1 already registered\n");
        assertThat(things).containsOnlyKeys("chip-0123aa01", "chip-0123aa02", "chip-0123aa03");
        assertThat(certificates).hasSize(3);
        for (String thing : things.keySet()) {
            String cert =
                    certificates.get(
                            "-----BEGIN CERTIFICATE-----\nMIIB"
                                    + thing.substring(5)
                                    + "\n-----END CERTIFICATE-----\n");
            assertThat(thingPrincipals).contains(thing + "=" + cert);
            assertThat(policyTargets).contains("meerkat-device=" + cert);
            assertThat(groupMembers).contains("factory-2026=" + thing);
        }
        // chip 2's thing and certificate existed from the first run: reused, not duplicated
        assertThat(calls.stream().filter(c -> c.equals("CREATE_THING chip-0123aa02"))).hasSize(2);

        int before = calls.size();
        Cli.Run third = register(file);
        assertThat(third.exitCode()).as(third.err()).isZero();
        assertThat(third.out()).isEqualTo("0 registered, 3 already registered\n");
        assertThat(calls.subList(before, calls.size()))
                .containsExactly("CREATE_THING_GROUP factory-2026");

        Files.writeString(file, "{\"serial\":\"0123aa09\",\"fingerprint\":\"x\"}\n");
        Cli.Run noCert = register(file);
        assertThat(noCert.exitCode()).isEqualTo(1);
        assertThat(noCert.err()).contains("the record of chip 0123aa09 has no certificatePem");
    }

    private synchronized void serve(HttpExchange ex) throws IOException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(64 * 1024);
        }
        Verification v =
                verifier.verify(
                        new SignedRequest(
                                ex.getRequestMethod(),
                                ex.getRequestURI().getRawPath(),
                                ex.getRequestURI().getRawQuery(),
                                ex.getRequestHeaders(),
                                body));
        if (v instanceof Verification.Refused r) {
            reply(ex, 403, r.errorType(), new IotError(r.reason()));
            return;
        }
        String path = ex.getRequestURI().getRawPath();
        if (ex.getRequestMethod().equals("PUT") && path.startsWith("/target-policies/")) {
            calls.add("ATTACH_POLICY");
            policyTargets.add(
                    path.substring("/target-policies/".length())
                            + "="
                            + JobsJson.mapper().readTree(body).path("target").asText());
            reply(ex, 200, null, Map.of());
            return;
        }
        IotOperation.Match m = IotOperation.route(ex.getRequestMethod(), path).orElse(null);
        if (m == null) {
            reply(ex, 404, "ResourceNotFoundException", new IotError("no such operation"));
            return;
        }
        Map<String, String> p = m.pathParameters();
        JsonNode json =
                body.length == 0
                        ? JobsJson.mapper().createObjectNode()
                        : JobsJson.mapper().readTree(body);
        switch (m.operation()) {
            case CREATE_THING_GROUP -> {
                String g = p.get("thingGroupName");
                calls.add("CREATE_THING_GROUP " + g);
                if (!groups.add(g)) {
                    exists(ex, g, ARN + "thinggroup/" + g);
                } else {
                    reply(
                            ex,
                            200,
                            null,
                            new Things.CreateThingGroupResponse(g, ARN + "thinggroup/" + g, g));
                }
            }
            case CREATE_THING -> {
                String t = p.get("thingName");
                calls.add("CREATE_THING " + t);
                if (things.containsKey(t)) {
                    exists(ex, t, things.get(t));
                } else {
                    things.put(t, ARN + "thing/" + t);
                    reply(ex, 200, null, new Things.CreateThingResponse(t, ARN + "thing/" + t, t));
                }
            }
            case REGISTER_CERTIFICATE_WITHOUT_CA -> {
                String pem = json.path("certificatePem").asText();
                calls.add("REGISTER_CERTIFICATE");
                if (certificates.containsKey(pem)) {
                    exists(ex, "c", certificates.get(pem));
                } else {
                    String id = Integer.toHexString(pem.hashCode());
                    certificates.put(pem, ARN + "cert/" + id);
                    reply(
                            ex,
                            200,
                            null,
                            new Things.RegisterCertificateResponse(ARN + "cert/" + id, id));
                }
            }
            case ATTACH_THING_PRINCIPAL -> {
                String t = p.get("thingName");
                calls.add("ATTACH_THING_PRINCIPAL " + t);
                if (failPrincipalOnce.remove(t)) {
                    reply(ex, 400, "InvalidRequestException", new IotError("try again"));
                    return;
                }
                thingPrincipals.add(
                        t + "=" + ex.getRequestHeaders().getFirst(Things.PRINCIPAL_HEADER));
                reply(ex, 200, null, Map.of());
            }
            case ADD_THING_TO_THING_GROUP -> {
                calls.add("ADD_THING_TO_THING_GROUP");
                groupMembers.add(
                        json.path("thingGroupName").asText()
                                + "="
                                + json.path("thingName").asText());
                reply(ex, 200, null, Map.of());
            }
            default -> reply(ex, 400, "InvalidRequestException", new IotError("not used here"));
        }
    }

    private static void exists(HttpExchange ex, String id, String arn) throws IOException {
        reply(
                ex,
                409,
                "ResourceAlreadyExistsException",
                Map.of("message", "already exists", "resourceId", id, "resourceArn", arn));
    }

    private static void reply(HttpExchange ex, int status, String errorType, Object body)
            throws IOException {
        byte[] out = JobsJson.write(body);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        if (errorType != null) {
            ex.getResponseHeaders().add(IotError.ERROR_TYPE_HEADER, errorType);
        }
        ex.sendResponseHeaders(status, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
