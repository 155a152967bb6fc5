package dev.meerkat.signing;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.signing.security.Roles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The audit export verifies with the CLI; any edit, removal or reordering is named by entry. */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class AuditChainTest {
    static final String ADMIN = TestTokens.token("au-admin", Roles.ADMIN);
    static final String AUDITOR = TestTokens.token("au-auditor", Roles.AUDITOR);
    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URL url;

    @Test
    void exportVerifiesAndTamperingIsNamed(@TempDir Path tmp) throws Exception {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"au-fw\",\"type\":\"ed25519\",\"backend\":\"software\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
        for (int i = 0; i < 3; i++) {
            given().auth()
                    .oauth2(TestTokens.token("au-ci", Roles.CI_PIPELINE))
                    .contentType(ContentType.JSON)
                    .body("{\"keyId\":\"au-fw\",\"digest\":\"" + String.format("%064x", i) + "\"}")
                    .post("/api/v1/sign/digest")
                    .then()
                    .statusCode(200);
        }
        given().auth().oauth2(ADMIN).post("/api/v1/keys/au-fw/rotate").then().statusCode(200);

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
        Cli.Result ok = Cli.run(null, "audit", "verify", export.toString());
        assertThat(ok.exit()).as(ok.toString()).isZero();
        assertThat(ok.out()).contains("audit chain intact");
        Cli.Result live = Cli.run(AUDITOR, "audit", "verify", "--url", url.toString());
        assertThat(live.exit()).as(live.toString()).isZero();

        ObjectNode root = (ObjectNode) JSON.readTree(export.toFile());
        ArrayNode entries = (ArrayNode) root.get("entries");
        assertThat(entries.size()).isGreaterThanOrEqualTo(5);
        int victim = entries.size() - 3;
        long victimSeq = entries.get(victim).get("seq").asLong();

        ObjectNode altered = root.deepCopy();
        ((ObjectNode) altered.get("entries").get(victim)).put("result", "rejected");
        Path tampered = tmp.resolve("tampered.json");
        JSON.writeValue(tampered.toFile(), altered);
        Cli.Result bad = Cli.run(null, "audit", "verify", tampered.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("entry seq " + victimSeq).contains("altered");

        // Recomputing the altered entry's own hash does not help: the next entry's link breaks.
        ObjectNode rehashed = altered.deepCopy();
        ObjectNode e = (ObjectNode) rehashed.get("entries").get(victim);
        e.put("hash", dev.meerkat.cli.remote.AuditChain.hash(e));
        JSON.writeValue(tampered.toFile(), rehashed);
        bad = Cli.run(null, "audit", "verify", tampered.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("entry seq " + (victimSeq + 1)).contains("prevHash");

        ObjectNode removed = root.deepCopy();
        ((ArrayNode) removed.get("entries")).remove(victim);
        JSON.writeValue(tampered.toFile(), removed);
        bad = Cli.run(null, "audit", "verify", tampered.toString());
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.err()).contains("entry seq " + (victimSeq + 1)).contains("gap");
    }
}
