package dev.meerkat.fleet;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** Calls the fleet API the way operators and devices do, for the tests. */
public final class Api {
    public static final String ADMIN = TestTokens.token("test-admin", "admin");
    public static final String RELEASE_MANAGER = TestTokens.token("test-rm", "release-manager");
    public static final String OPERATOR = TestTokens.token("test-op", "operator");
    public static final String VIEWER = TestTokens.token("test-viewer", "viewer");

    private Api() {}

    public static RequestSpecification as(String token) {
        return given().auth().oauth2(token);
    }

    /** A device authenticating with its own token, hawkBit style. */
    public static RequestSpecification device(String token) {
        return given().header("Authorization", "TargetToken " + token);
    }

    public static void registerWithToken(String id, String token, Map<String, String> attrs) {
        as(ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("id", id, "token", token, "attributes", attrs))
                .post("/api/v1/devices")
                .then()
                .statusCode(201);
    }

    public static String upload(String id, byte[] image) {
        return as(RELEASE_MANAGER)
                .contentType("application/octet-stream")
                .body(image)
                .queryParam("id", id)
                .post("/api/v1/releases")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
    }

    public static void staticGroup(String name, List<String> members) {
        as(OPERATOR)
                .contentType(ContentType.JSON)
                .body(Map.of("name", name, "members", members))
                .post("/api/v1/groups")
                .then()
                .statusCode(201);
    }

    public static JsonPath deploy(
            String id, String release, String group, Map<String, Object> plan) {
        return as(RELEASE_MANAGER)
                .contentType(ContentType.JSON)
                .body(Map.of("id", id, "release", release, "group", group, "plan", plan))
                .post("/api/v1/deployments")
                .then()
                .statusCode(201)
                .extract()
                .jsonPath();
    }

    public static JsonPath status(String id) {
        return as(VIEWER)
                .get("/api/v1/deployments/" + id)
                .then()
                .statusCode(200)
                .extract()
                .jsonPath();
    }

    /** The deployment's executions, as a viewer reads them. */
    public static List<Map<String, Object>> executions(String deploymentId) {
        return as(VIEWER)
                .get("/api/v1/deployments/" + deploymentId + "/executions")
                .then()
                .statusCode(200)
                .extract()
                .jsonPath()
                .getList("$");
    }

    /**
     * Polls the deployment until {@code done} holds (the rollout engine works in the background).
     */
    public static JsonPath awaitStatus(String id, Predicate<JsonPath> done) {
        return awaitStatus(id, done, Duration.ofSeconds(60));
    }

    public static JsonPath awaitStatus(String id, Predicate<JsonPath> done, Duration limit) {
        Instant deadline = Instant.now().plus(limit);
        JsonPath s = status(id);
        while (!done.test(s)) {
            assertThat(Instant.now())
                    .as("deployment %s did not get there: %s", id, s.prettify())
                    .isBefore(deadline);
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            s = status(id);
        }
        return s;
    }

    /** How many executions are in {@code state} overall (0 when none). */
    public static int total(JsonPath s, String state) {
        Integer n = s.get("totals." + state);
        return n == null ? 0 : n;
    }

    public static String state(JsonPath s) {
        return s.getString("deployment.state");
    }
}
