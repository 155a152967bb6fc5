package dev.meerkat.fleet;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every operator endpoint against every role, no credentials, and a token signed by another key.
 */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class RoleMatrixPostgresTest {
    static final List<String> ROLES =
            List.of("admin", "release-manager", "operator", "viewer", "device");
    static final Set<String> READERS = Set.of("admin", "release-manager", "operator", "viewer");

    record Endpoint(String method, String path, Object body, Set<String> allowed) {
        Response call(RequestSpecification r) {
            if (body instanceof byte[] b) r = r.contentType("application/octet-stream").body(b);
            else if (body instanceof String s) r = r.contentType(ContentType.TEXT).body(s);
            else if (body != null) r = r.contentType(ContentType.JSON).body(body);
            return switch (method) {
                case "GET" -> r.get(path);
                case "PUT" -> r.put(path);
                default -> r.post(path);
            };
        }
    }

    @Test
    void everyEndpointAdmitsExactlyItsRoles() {
        Api.registerWithToken("rm-dev", "token-of-rm-dev-0123456789", Map.of());
        Api.upload("rm-v1", TestReleases.image("9.0.0"));
        Api.staticGroup("rm-all", List.of("rm-dev"));
        Api.deploy("rm-dep", "rm-v1", "rm-all", Map.of("phases", List.of(Map.of("count", 1))));
        int[] n = {0};
        List<Endpoint> endpoints =
                List.of(
                        new Endpoint(
                                "POST", "/api/v1/devices", Map.of(), Set.of("admin", "operator")),
                        new Endpoint(
                                "POST", "/api/v1/devices/import", "", Set.of("admin", "operator")),
                        new Endpoint("GET", "/api/v1/devices", null, READERS),
                        new Endpoint("GET", "/api/v1/devices/rm-dev", null, READERS),
                        new Endpoint(
                                "PUT",
                                "/api/v1/devices/rm-dev/attributes",
                                Map.of("tag", "x"),
                                Set.of("admin", "operator")),
                        new Endpoint(
                                "POST",
                                "/api/v1/groups",
                                Map.of(),
                                Set.of("admin", "operator", "release-manager")),
                        new Endpoint("GET", "/api/v1/groups", null, READERS),
                        new Endpoint("GET", "/api/v1/groups/rm-all", null, READERS),
                        new Endpoint(
                                "POST",
                                "/api/v1/groups/rm-all/members",
                                Map.of("add", List.of("rm-dev")),
                                Set.of("admin", "operator", "release-manager")),
                        new Endpoint(
                                "POST",
                                "/api/v1/releases",
                                TestReleases.image("9.0.1"),
                                Set.of("admin", "release-manager")),
                        new Endpoint("GET", "/api/v1/releases", null, READERS),
                        new Endpoint("GET", "/api/v1/releases/rm-v1", null, READERS),
                        new Endpoint(
                                "GET",
                                "/api/v1/releases/rm-v1/content",
                                null,
                                Set.of("admin", "release-manager", "operator")),
                        new Endpoint(
                                "POST",
                                "/api/v1/deployments",
                                Map.of(),
                                Set.of("admin", "release-manager")),
                        new Endpoint("GET", "/api/v1/deployments", null, READERS),
                        new Endpoint("GET", "/api/v1/deployments/rm-dep", null, READERS),
                        new Endpoint("GET", "/api/v1/deployments/rm-dep/executions", null, READERS),
                        new Endpoint(
                                "POST",
                                "/api/v1/deployments/rm-dep/pause",
                                null,
                                Set.of("admin", "release-manager", "operator")),
                        new Endpoint("GET", "/api/v1/audit", null, Set.of("admin", "viewer")),
                        new Endpoint(
                                "POST",
                                "/api/v1/audit/checkpoints",
                                null,
                                Set.of("admin", "viewer")),
                        new Endpoint(
                                "GET",
                                "/api/v1/audit/checkpoints/latest",
                                null,
                                Set.of("admin", "viewer")));
        List<String> wrong = new ArrayList<>();
        for (Endpoint e : endpoints) {
            for (String role : ROLES) {
                // An allowed role gets past authorization: any answer but 401/403 (the bodies here
                // are not all valid).
                int status =
                        e.call(
                                        given().auth()
                                                .oauth2(
                                                        TestTokens.token(
                                                                "rm-" + role + "-" + n[0]++, role)))
                                .statusCode();
                boolean admitted = status != 401 && status != 403;
                if (admitted != e.allowed().contains(role))
                    wrong.add(e.method() + " " + e.path() + " as " + role + ": " + status);
            }
            int anonymous = e.call(given()).statusCode();
            if (anonymous != 401)
                wrong.add(e.method() + " " + e.path() + " without credentials: " + anonymous);
            int forged =
                    e.call(given().auth().oauth2(TestTokens.forged("mallory", "admin")))
                            .statusCode();
            if (forged != 401)
                wrong.add(e.method() + " " + e.path() + " with a forged token: " + forged);
        }
        assertThat(wrong).isEmpty();
    }
}
