package dev.meerkat.signing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.signing.security.Roles;
import dev.meerkat.signing.store.Database;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URL;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 point 2: an export is anchored at both ends. Removing entries at either end, emptying
 * it, or editing and re-hashing the chain from some entry on is caught by the signed checkpoint; a
 * partial export verifies from an earlier checkpoint; and with --url a rewritten live log is
 * caught.
 */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class AuditAnchorTest {
    static final String ADMIN = TestTokens.token("an-admin", Roles.ADMIN);
    static final String AUDITOR = TestTokens.token("an-auditor", Roles.AUDITOR);
    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL url;

    @Inject Database db;

    void activity(String key, int n) {
        for (int i = 0; i < n; i++) {
            given().auth()
                    .oauth2(TestTokens.token("an-ci", Roles.CI_PIPELINE))
                    .contentType(ContentType.JSON)
                    .body(
                            "{\"keyId\":\""
                                    + key
                                    + "\",\"digest\":\""
                                    + String.format("%064x", 1000 + i)
                                    + "\"}")
                    .post("/api/v1/sign/digest")
                    .then()
                    .statusCode(200);
        }
    }

    Cli.Result verify(Path file, String... more) {
        String[] args = new String[2 + more.length + 1];
        args[0] = "audit";
        args[1] = "verify";
        System.arraycopy(more, 0, args, 2, more.length);
        args[args.length - 1] = file.toString();
        return Cli.run(null, args);
    }

    Path write(Path dir, String name, ObjectNode root) throws Exception {
        Path p = dir.resolve(name);
        JSON.writeValue(p.toFile(), root);
        return p;
    }

    @Test
    void truncatedEmptiedOrRehashedExportsAreNotAnchored(@TempDir Path tmp) throws Exception {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"an-fw\",\"type\":\"ecdsa-p256\",\"backend\":\"software\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        activity("an-fw", 4);
        Path export = tmp.resolve("audit.json");
        Cli.Result exported =
                Cli.run(
                        AUDITOR,
                        "audit",
                        "export",
                        "--url",
                        url.toString(),
                        "-o",
                        export.toString());
        assertThat(exported.exit()).as(exported.toString()).isZero();
        Cli.Result ok = verify(export);
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(ok.out()).contains("audit chain intact").contains("anchored: checkpoint seq");
        String pem =
                given().get("/api/v1/audit/checkpoints/key")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString();
        Path keyFile = tmp.resolve("checkpoint-key.pem");
        java.nio.file.Files.writeString(keyFile, pem);
        assertThat(verify(export, "--checkpoint-key", keyFile.toString()).exit()).isZero();

        ObjectNode root = (ObjectNode) JSON.readTree(export.toFile());
        int n = root.get("entries").size();
        assertThat(n).isGreaterThanOrEqualTo(5);

        ObjectNode lastRemoved = root.deepCopy();
        ((ArrayNode) lastRemoved.get("entries")).remove(n - 1);
        Cli.Result r = verify(write(tmp, "last.json", lastRemoved));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("not anchored").contains("ends at seq");

        ObjectNode firstRemoved = root.deepCopy();
        ((ArrayNode) firstRemoved.get("entries")).remove(0);
        r = verify(write(tmp, "first.json", firstRemoved));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("starts at seq 2");

        ObjectNode prefixRemoved = root.deepCopy();
        for (int i = 0; i < 3; i++) ((ArrayNode) prefixRemoved.get("entries")).remove(0);
        r = verify(write(tmp, "prefix.json", prefixRemoved));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("starts at seq 4");

        ObjectNode empty = root.deepCopy();
        ((ArrayNode) empty.get("entries")).removeAll();
        r = verify(write(tmp, "empty.json", empty));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("no entries");

        ObjectNode noCheckpoint = root.deepCopy();
        noCheckpoint.remove("checkpoint");
        assertThat(verify(write(tmp, "nocp.json", noCheckpoint)).exit()).isEqualTo(1);

        // Edit one entry and re-hash the chain from there on: every link holds, the signed head
        // does not.
        ObjectNode rehashed = root.deepCopy();
        ArrayNode entries = (ArrayNode) rehashed.get("entries");
        int victim = n - 3;
        String prev = entries.get(victim).get("prevHash").asText();
        ((ObjectNode) entries.get(victim)).put("result", "rejected");
        for (int i = victim; i < n; i++) {
            ObjectNode e = (ObjectNode) entries.get(i);
            e.put("prevHash", prev);
            e.put("hash", dev.meerkat.cli.remote.AuditChain.hash(e));
            prev = e.get("hash").asText();
        }
        r = verify(write(tmp, "rehashed.json", rehashed));
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("re-hashed");

        // The same rewrite with a forged checkpoint: the signature does not verify with the pinned
        // key.
        ObjectNode forged = rehashed.deepCopy();
        ((ObjectNode) forged.get("checkpoint")).put("hash", prev);
        r = verify(write(tmp, "forged.json", forged), "--checkpoint-key", keyFile.toString());
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("not signed by the checkpoint key");
    }

    @Test
    void partialExportVerifiesFromAnEarlierCheckpointAndTheLiveLogIsCompared(@TempDir Path tmp)
            throws Exception {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"an-part\",\"type\":\"ecdsa-p256\",\"backend\":\"software\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        activity("an-part", 2);
        Path first = tmp.resolve("first.json");
        assertThat(
                        Cli.run(
                                        AUDITOR,
                                        "audit",
                                        "export",
                                        "--url",
                                        url.toString(),
                                        "-o",
                                        first.toString())
                                .exit())
                .isZero();
        activity("an-part", 3);
        Path second = tmp.resolve("second.json");
        Cli.Result ex =
                Cli.run(
                        AUDITOR,
                        "audit",
                        "export",
                        "--url",
                        url.toString(),
                        "--from",
                        first.toString(),
                        "-o",
                        second.toString());
        assertThat(ex.exit()).as(ex.toString()).isZero();
        Cli.Result r = verify(second, "--from", first.toString());
        assertThat(r.exit()).as(r.toString()).isZero();
        assertThat(verify(second).exit()).isEqualTo(1);

        // A database administrator rewrites the head entry (and its hash) in the live log.
        ObjectNode root = (ObjectNode) JSON.readTree(second.toFile());
        long seq = root.get("checkpoint").get("seq").asLong();
        String hash = root.get("checkpoint").get("hash").asText();
        Cli.Result live =
                Cli.run(
                        AUDITOR,
                        "audit",
                        "verify",
                        "--url",
                        url.toString(),
                        second.toString(),
                        "--from",
                        first.toString());
        assertThat(live.exit()).as(live.toString()).isZero();
        setHash(seq, "f".repeat(64));
        try {
            live =
                    Cli.run(
                            AUDITOR,
                            "audit",
                            "verify",
                            "--url",
                            url.toString(),
                            second.toString(),
                            "--from",
                            first.toString());
            assertThat(live.exit()).isEqualTo(1);
            assertThat(live.err()).contains("differs from the export");
        } finally {
            setHash(seq, hash);
        }
    }

    private void setHash(long seq, String hash) {
        db.tx(
                c -> {
                    try (PreparedStatement ps =
                            c.prepareStatement("UPDATE audit_log SET hash = ? WHERE seq = ?")) {
                        ps.setString(1, hash);
                        ps.setLong(2, seq);
                        ps.executeUpdate();
                    }
                    return null;
                });
    }
}
