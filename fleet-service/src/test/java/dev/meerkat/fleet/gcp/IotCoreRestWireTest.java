package dev.meerkat.fleet.gcp;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.meerkat.fleet.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The REST wire details Google's transports rely on: numeric enums, int64 strings, base64,
 * google.rpc errors.
 */
@QuarkusTest
@TestProfile(GcpProfile.class)
class IotCoreRestWireTest {
    private static final String BASE = "/v1/projects/wire/locations/us-central1/registries";
    private static final String ALT = "?$alt=json;enum-encoding=int";

    private static RequestSpecification as(String... roles) {
        return given().auth()
                .oauth2(TestTokens.token("wire-" + roles[0], roles))
                .contentType(ContentType.JSON);
    }

    @Test
    void wireFormatAndErrors() {
        as("admin")
                .body(Map.of("id", "wire-reg"))
                .post(BASE + ALT)
                .then()
                .statusCode(200)
                .body("mqttConfig.mqttEnabledState", equalTo(1));
        as("admin")
                .body(Map.of("id", "wire-reg"))
                .post(BASE)
                .then()
                .statusCode(409)
                .body("error.status", equalTo("ALREADY_EXISTS"))
                .body("error.code", equalTo(409));
        as("admin")
                .body(Map.of("id", "wire-reg"))
                .get(BASE + "/wire-reg")
                .then()
                .statusCode(200)
                .body("mqttConfig.mqttEnabledState", equalTo("MQTT_ENABLED"));

        Map<String, Object> cred =
                Map.of(
                        "publicKey",
                        Map.of("format", "ES256_PEM", "key", GcpKeys.publicPem(GcpKeys.ec())),
                        "expirationTime",
                        "2099-01-01T00:00:00Z");
        as("operator")
                .body(Map.of("id", "dev-1", "credentials", List.of(cred)))
                .post(BASE + "/wire-reg/devices" + ALT)
                .then()
                .statusCode(200)
                .body("credentials[0].publicKey.format", equalTo(2))
                .body("credentials[0].expirationTime", equalTo("2099-01-01T00:00:00Z"))
                .body("config.version", equalTo("1"));
        // An RSA key registered as ES256 is refused before anything is stored.
        Map<String, Object> wrong =
                Map.of("publicKey", Map.of("format", 2, "key", GcpKeys.publicPem(GcpKeys.rsa())));
        as("operator")
                .body(Map.of("id", "dev-2", "credentials", List.of(wrong)))
                .post(BASE + "/wire-reg/devices")
                .then()
                .statusCode(400)
                .body("error.status", equalTo("INVALID_ARGUMENT"))
                .body(
                        "error.message",
                        equalTo("credentials.publicKey.key is not a valid ES256_PEM key"));
        as("operator")
                .get(BASE + "/wire-reg/devices/dev-2")
                .then()
                .statusCode(404)
                .body("error.status", equalTo("NOT_FOUND"));

        as("operator")
                .body(Map.of("versionToUpdate", "1", "binaryData", "aGVsbG8="))
                .post(BASE + "/wire-reg/devices/dev-1:modifyCloudToDeviceConfig" + ALT)
                .then()
                .statusCode(200)
                .body("version", equalTo("2"))
                .body("binaryData", equalTo("aGVsbG8="));
        as("operator")
                .body(Map.of("versionToUpdate", "1", "binaryData", "c3RhbGU="))
                .post(BASE + "/wire-reg/devices/dev-1:modifyCloudToDeviceConfig" + ALT)
                .then()
                .statusCode(400)
                .body("error.status", equalTo("FAILED_PRECONDITION"))
                .body(
                        "error.message",
                        equalTo(
                                "the config version to update (1) is not the current version (2) of "
                                        + "projects/wire/locations/us-central1/registries/wire-reg/devices/dev-1"));
        as("viewer")
                .get(BASE + "/wire-reg/devices/dev-1/configVersions" + ALT)
                .then()
                .statusCode(200)
                .body("deviceConfigs.version", equalTo(List.of("2", "1")));

        as("operator")
                .body(Map.of("blocked", true))
                .patch(BASE + "/wire-reg/devices/dev-1?updateMask=numId")
                .then()
                .statusCode(400)
                .body("error.status", equalTo("INVALID_ARGUMENT"));
        as("admin")
                .delete(BASE + "/wire-reg")
                .then()
                .statusCode(400)
                .body("error.status", equalTo("FAILED_PRECONDITION"));
    }

    @Test
    void everyCallIsAuthenticatedAndRoleChecked() {
        given().get(BASE).then().statusCode(401);
        given().auth()
                .oauth2(TestTokens.forged("wire-admin", "admin"))
                .get(BASE)
                .then()
                .statusCode(401);
        as("viewer").body(Map.of("id", "viewer-made")).post(BASE).then().statusCode(403);
        as("device").get(BASE).then().statusCode(403);
        as("viewer").get(BASE).then().statusCode(200);
    }
}
