package dev.meerkat.signing.hardening;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.meerkat.signing.PostgresHsmResource;
import dev.meerkat.signing.TestTokens;
import dev.meerkat.signing.security.Roles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Storage limits, atomic audit, consistent refusals and races on the signing API (PostgreSQL,
 * SoftHSM2).
 */
@QuarkusTest
@WithTestResource(PostgresHsmResource.class)
class ServiceHardeningTest {
    static final String ADMIN = TestTokens.token("hd-admin", Roles.ADMIN);
    static final String CI = TestTokens.token("hd-ci", Roles.CI_PIPELINE);
    static final String AUDITOR = TestTokens.token("hd-auditor", Roles.AUDITOR);
    static final String PROBLEM = "application/problem+json";

    static void createKey(String id, String extra) {
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(
                        "{\"id\":\""
                                + id
                                + "\",\"type\":\"ecdsa-p256\",\"backend\":\"software\""
                                + extra
                                + "}")
                .post("/api/v1/keys")
                .then()
                .statusCode(201);
    }

    static List<Map<String, Object>> audit() {
        List<Map<String, Object>> all = new ArrayList<>();
        long after = 0;
        while (true) {
            Map<String, Object> page =
                    given().auth()
                            .oauth2(AUDITOR)
                            .get("/api/v1/audit?limit=5000&after=" + after)
                            .then()
                            .statusCode(200)
                            .extract()
                            .as(Map.class);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> entries = (List<Map<String, Object>>) page.get("entries");
            all.addAll(entries);
            if (page.get("next") == null) return all;
            after = ((Number) page.get("next")).longValue();
        }
    }

    /**
     * Issue 10 point 1: an over-long key id is a 400 of its own and never fails other callers'
     * entries.
     */
    @Test
    void overlongKeyIdIsRefusedAloneAndEveryOtherOperationIsAudited() throws Exception {
        createKey("hd-batch", "");
        String longId = "k".repeat(100);
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Future<Integer>> signs = new ArrayList<>();
            List<Future<Integer>> longOnes = new ArrayList<>();
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < 10; i++) {
                    String digest = String.format("%02x%062x", round, i);
                    signs.add(
                            pool.submit(
                                    () ->
                                            given().auth()
                                                    .oauth2(CI)
                                                    .contentType(ContentType.JSON)
                                                    .body(
                                                            "{\"keyId\":\"hd-batch\",\"digest\":\""
                                                                    + digest
                                                                    + "\"}")
                                                    .post("/api/v1/sign/digest")
                                                    .then()
                                                    .extract()
                                                    .statusCode()));
                }
                longOnes.add(
                        pool.submit(
                                () ->
                                        given().auth()
                                                .oauth2(CI)
                                                .contentType(ContentType.JSON)
                                                .body(
                                                        "{\"keyId\":\""
                                                                + longId
                                                                + "\",\"digest\":\""
                                                                + "00".repeat(32)
                                                                + "\"}")
                                                .post("/api/v1/sign/digest")
                                                .then()
                                                .contentType(PROBLEM)
                                                .extract()
                                                .statusCode()));
            }
            for (Future<Integer> f : signs) assertThat(f.get()).isEqualTo(200);
            for (Future<Integer> f : longOnes) assertThat(f.get()).isEqualTo(400);
        } finally {
            pool.shutdownNow();
        }
        List<Map<String, Object>> entries = audit();
        long signed =
                entries.stream()
                        .filter(
                                e ->
                                        "hd-batch".equals(e.get("keyId"))
                                                && "sign.digest".equals(e.get("action"))
                                                && "signed".equals(e.get("result")))
                        .count();
        assertThat(signed).isEqualTo(40);
        long refused =
                entries.stream()
                        .filter(
                                e ->
                                        "sign.digest".equals(e.get("action"))
                                                && "400".equals(e.get("result"))
                                                && String.valueOf(e.get("detail"))
                                                        .contains("limited to 64"))
                        .count();
        assertThat(refused).isGreaterThanOrEqualTo(4);
    }

    /** Issue 10 point 5: ids up to the column width and descriptions are validated, not 500s. */
    @Test
    void keyFieldsAreValidatedAgainstTheirColumns() {
        String id64 = "hd-" + "x".repeat(61);
        createKey(id64, "");
        given().auth()
                .oauth2(ADMIN)
                .get("/api/v1/keys/" + id64)
                .then()
                .statusCode(200)
                .body("id", equalTo(id64));
        createKey("hd-" + "y".repeat(40), "");
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(
                        "{\"id\":\"hd-desc\",\"type\":\"ecdsa-p256\",\"description\":\""
                                + "d".repeat(501)
                                + "\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(400)
                .contentType(PROBLEM)
                .body("detail", containsString("500"));
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"" + "z".repeat(65) + "\",\"type\":\"ecdsa-p256\"}")
                .post("/api/v1/keys")
                .then()
                .statusCode(400)
                .contentType(PROBLEM);
        given().auth()
                .oauth2(ADMIN)
                .get("/api/v1/keys/" + id64 + "/public?version=9")
                .then()
                .statusCode(404)
                .contentType(PROBLEM)
                .body("title", equalTo("Unknown key version"));
    }

    /**
     * Issue 10 point 5: bodies that are not the expected JSON object are problem documents, and
     * audited.
     */
    @Test
    void malformedJsonBodiesAreProblemDocuments() {
        given().auth()
                .oauth2(CI)
                .contentType(ContentType.JSON)
                .body("[1,2,3]")
                .post("/api/v1/sign/digest")
                .then()
                .statusCode(400)
                .contentType(PROBLEM)
                .body("status", equalTo(400))
                .body("title", equalTo("Malformed JSON"));
        String deep = "[".repeat(5000) + "]".repeat(5000);
        given().auth()
                .oauth2(CI)
                .contentType(ContentType.JSON)
                .body(deep)
                .post("/api/v1/sign/digest")
                .then()
                .statusCode(400)
                .contentType(PROBLEM)
                .body("status", equalTo(400));
        String deepObject = "{\"keyId\":" + "{\"a\":".repeat(5000) + "1" + "}".repeat(5000) + "}";
        given().auth()
                .oauth2(ADMIN)
                .contentType(ContentType.JSON)
                .body(deepObject)
                .post("/api/v1/keys")
                .then()
                .statusCode(400)
                .contentType(PROBLEM);
        List<Map<String, Object>> entries = audit();
        assertThat(entries)
                .anySatisfy(
                        e -> {
                            assertThat(e.get("action")).isEqualTo("http POST /api/v1/sign/digest");
                            assertThat(e.get("actor")).isEqualTo("hd-ci");
                            assertThat(e.get("result")).isEqualTo("400");
                        });
    }

    /** Issue 10 point 5: concurrent rotations give one new version and 409s, never 500s. */
    @Test
    void concurrentRotationsYieldOneVersionAndConflicts() throws Exception {
        createKey("hd-rotate", "");
        ExecutorService pool = Executors.newFixedThreadPool(10);
        List<Future<Integer>> results = new ArrayList<>();
        try {
            Callable<Integer> rotate =
                    () ->
                            given().auth()
                                    .oauth2(ADMIN)
                                    .post("/api/v1/keys/hd-rotate/rotate")
                                    .then()
                                    .extract()
                                    .statusCode();
            for (int i = 0; i < 10; i++) results.add(pool.submit(rotate));
            List<Integer> codes = new ArrayList<>();
            for (Future<Integer> f : results) codes.add(f.get());
            assertThat(codes).containsOnly(200, 409);
            int ok = (int) codes.stream().filter(c -> c == 200).count();
            given().auth()
                    .oauth2(ADMIN)
                    .get("/api/v1/keys/hd-rotate")
                    .then()
                    .statusCode(200)
                    .body("currentVersion", equalTo(1 + ok))
                    .body("versions.size()", equalTo(1 + ok));
        } finally {
            pool.shutdownNow();
        }
    }
}
