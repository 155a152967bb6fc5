package dev.meerkat.fleet;

import static dev.meerkat.fleet.Api.ADMIN;
import static dev.meerkat.fleet.Api.OPERATOR;
import static dev.meerkat.fleet.Api.RELEASE_MANAGER;
import static dev.meerkat.fleet.Api.VIEWER;
import static dev.meerkat.fleet.Api.as;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Release verification and storage in S3 (S3Proxy), the device registry and the API's refusals, on
 * PostgreSQL.
 */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class ReleasesAndRegistryPostgresTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void aReleaseIsVerifiedOnUploadAndRefusedWhenItIsNotTrusted() {
        byte[] image = TestReleases.image("2.1.0", 7, TestReleases.PLATFORM, TestReleases.TRUSTED);
        JsonPath r =
                as(RELEASE_MANAGER)
                        .contentType("application/octet-stream")
                        .body(image)
                        .post("/api/v1/releases")
                        .then()
                        .statusCode(201)
                        .extract()
                        .jsonPath();
        assertThat(r.getString("id")).isEqualTo("meerkat-sim-2.1.0");
        assertThat(r.getString("version")).isEqualTo("2.1.0");
        assertThat(r.getLong("securityCounter")).isEqualTo(7);
        assertThat(r.getString("format")).isEqualTo("mcuboot");
        assertThat(r.getString("signerKeyHash"))
                .isEqualTo(TestReleases.TRUSTED.verificationKey().keyHashHex());
        assertThat(r.getLong("size")).isEqualTo(image.length);

        as(RELEASE_MANAGER)
                .contentType("application/octet-stream")
                .body(image)
                .post("/api/v1/releases")
                .then()
                .statusCode(409)
                .contentType("application/problem+json");
        as(RELEASE_MANAGER)
                .contentType("application/octet-stream")
                .body(TestReleases.image("2.1.1", 7, TestReleases.PLATFORM, TestReleases.STRANGER))
                .post("/api/v1/releases")
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("title", equalTo("Image rejected"));
        as(RELEASE_MANAGER)
                .contentType("application/octet-stream")
                .body(TestReleases.image("2.1.2"))
                .queryParam("platform", "esp32")
                .post("/api/v1/releases")
                .then()
                .statusCode(422)
                .body("title", equalTo("Wrong platform"));
        as(RELEASE_MANAGER)
                .contentType("application/octet-stream")
                .body(TestReleases.image("2.1.3", 7, null, TestReleases.TRUSTED))
                .post("/api/v1/releases")
                .then()
                .statusCode(422)
                .body("title", equalTo("No platform"));
        byte[] tampered = TestReleases.image("2.1.4");
        tampered[0x300] ^= 1;
        as(RELEASE_MANAGER)
                .contentType("application/octet-stream")
                .body(tampered)
                .post("/api/v1/releases")
                .then()
                .statusCode(422)
                .body("detail", containsString("image was altered"));
        as(OPERATOR)
                .contentType("application/octet-stream")
                .body(image)
                .post("/api/v1/releases")
                .then()
                .statusCode(403);
        given().contentType("application/octet-stream")
                .body(image)
                .post("/api/v1/releases")
                .then()
                .statusCode(401)
                .contentType("application/problem+json");
        given().auth()
                .oauth2(TestTokens.forged("mallory", "admin"))
                .get("/api/v1/releases")
                .then()
                .statusCode(401);
        List<String> ids =
                as(VIEWER)
                        .get("/api/v1/releases")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("id");
        assertThat(ids)
                .contains("meerkat-sim-2.1.0")
                .doesNotContain("meerkat-sim-2.1.1", "meerkat-sim-2.1.4");
    }

    @Test
    void artifactsComeFromTheObjectStoreWholeByRangeOrThroughPresignedUrls() throws Exception {
        byte[] image = TestReleases.image("2.2.0");
        Api.upload("dl-v2", image);
        byte[] part =
                as(OPERATOR)
                        .header("Range", "bytes=10-19")
                        .get("/api/v1/releases/dl-v2/content")
                        .then()
                        .statusCode(206)
                        .header("Content-Range", "bytes 10-19/" + image.length)
                        .extract()
                        .asByteArray();
        assertThat(part).isEqualTo(Arrays.copyOfRange(image, 10, 20));
        assertThat(
                        as(OPERATOR)
                                .get("/api/v1/releases/dl-v2/content")
                                .then()
                                .statusCode(200)
                                .extract()
                                .asByteArray())
                .isEqualTo(image);
        as(OPERATOR)
                .header("Range", "bytes=" + image.length + "-")
                .get("/api/v1/releases/dl-v2/content")
                .then()
                .statusCode(416);

        DeviceSim d = new DeviceSim("dl-dev", "token-of-dl-dev-0123456789");
        Api.registerWithToken(d.id(), d.token(), Map.of());
        Api.staticGroup("dl-all", List.of(d.id()));
        Api.deploy("dl-dep", "dl-v2", "dl-all", Map.of());
        Api.awaitStatus("dl-dep", s -> s.getInt("phases[0].released") == 1);
        String url = d.poll("1.0.0").getString("url");
        assertThat(url).startsWith(PostgresS3Resource.s3Endpoint()).contains("X-Amz-Signature=");
        HttpResponse<byte[]> ok =
                HTTP.send(
                        HttpRequest.newBuilder(URI.create(url)).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo(image);
        String forged = url.replaceAll("X-Amz-Signature=[0-9a-f]", "X-Amz-Signature=0");
        if (forged.equals(url))
            forged = url.replaceAll("X-Amz-Signature=[0-9a-f]", "X-Amz-Signature=1");
        assertThat(
                        HTTP.send(
                                        HttpRequest.newBuilder(URI.create(forged)).build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode())
                .isEqualTo(403);
    }

    @Test
    void mongooseUpdateCheckAnswers304ThenTheImageAndSettlesByTheVersionReportedNext() {
        DeviceSim d = new DeviceSim("mos-dev", "token-of-mos-dev-0123456789");
        Api.registerWithToken(d.id(), d.token(), Map.of("platform", "meerkat-sim"));
        String check = "/api/v1/device/mos-dev/update";
        Api.device(d.token())
                .header("X-MGOS-FW-Version", "meerkat-sim 1.0.0 20261201-000000")
                .get(check)
                .then()
                .statusCode(304);
        byte[] image = TestReleases.image("2.3.0");
        Api.upload("mos-v2", image);
        Api.staticGroup("mos-all", List.of(d.id()));
        Api.deploy("mos-dep", "mos-v2", "mos-all", Map.of());
        Api.awaitStatus("mos-dep", s -> s.getInt("phases[0].released") == 1);
        byte[] got =
                Api.device(d.token())
                        .header("X-MGOS-FW-Version", "meerkat-sim 1.0.0 20261201-000000")
                        .get(check)
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray();
        assertThat(got).isEqualTo(image);
        assertThat(Api.total(Api.status("mos-dep"), "IN_PROGRESS")).isEqualTo(1);
        Api.device(d.token())
                .header("X-MGOS-FW-Version", "meerkat-sim 2.3.0 20261201-000001")
                .get(check)
                .then()
                .statusCode(304);
        JsonPath done = Api.awaitStatus("mos-dep", s -> Api.state(s).equals("COMPLETED"));
        assertThat(Api.total(done, "SUCCEEDED")).isEqualTo(1);
        JsonPath dev =
                as(VIEWER)
                        .get("/api/v1/devices/mos-dev")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        assertThat(dev.getString("device.reportedVersion")).isEqualTo("2.3.0");
        assertThat(dev.getString("device.protocol")).isEqualTo("http");
    }

    @Test
    void provisioningJournalRegistersEachChipOnce() {
        String fp1 = "ab".repeat(32);
        String fp2 = "cd".repeat(32);
        String journal =
                "{\"at\":\"2026-12-01T00:00:00Z\",\"station\":\"line-1\",\"template\":\"t\",\"serial\":\"0123A1\","
                        + "\"certSerial\":\"11\",\"fingerprint\":\""
                        + fp1
                        + "\",\"steps\":[],\"totalMs\":1.0,\"chipCommands\":3}\n"
                        + "{\"at\":\"2026-12-01T00:00:01Z\",\"station\":\"line-1\",\"template\":\"t\",\"serial\":\"0123A2\","
                        + "\"certSerial\":\"12\",\"fingerprint\":\""
                        + fp2
                        + "\",\"steps\":[],\"totalMs\":1.0,\"chipCommands\":3}\n";
        as(OPERATOR)
                .contentType(ContentType.TEXT)
                .body(journal)
                .queryParam("attr", "region=eu-west")
                .post("/api/v1/devices/import")
                .then()
                .statusCode(200)
                .body("registered", equalTo(2));
        as(OPERATOR)
                .contentType(ContentType.TEXT)
                .body(journal)
                .post("/api/v1/devices/import")
                .then()
                .statusCode(200)
                .body("registered", equalTo(0))
                .body("alreadyKnown", equalTo(2));
        JsonPath dev =
                as(VIEWER)
                        .get("/api/v1/devices/0123A1")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath();
        assertThat(dev.getString("device.certFingerprint")).isEqualTo(fp1);
        assertThat(dev.getString("device.attributes.region")).isEqualTo("eu-west");
        assertThat(dev.getString("device.attributes.station")).isEqualTo("line-1");
        as(OPERATOR)
                .contentType(ContentType.TEXT)
                .body(journal + "{\"serial\":\"X\"}\n")
                .post("/api/v1/devices/import")
                .then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("detail", containsString("line 3"));
        String conflicting = journal.replace(fp2, "ef".repeat(32));
        as(OPERATOR)
                .contentType(ContentType.TEXT)
                .body(conflicting)
                .post("/api/v1/devices/import")
                .then()
                .statusCode(409);
        as(VIEWER)
                .contentType(ContentType.TEXT)
                .body(journal)
                .post("/api/v1/devices/import")
                .then()
                .statusCode(403);
        as(ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("id", "no-identity"))
                .post("/api/v1/devices")
                .then()
                .statusCode(400)
                .body("detail", containsString("identity"));
        as(ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("id", "bad id!", "token", "0123456789abcdef"))
                .post("/api/v1/devices")
                .then()
                .statusCode(400);
    }

    @Test
    void everyChangeIsAuditedAndOversizedBodiesAreRefusedUnread() {
        as(ADMIN)
                .contentType(ContentType.JSON)
                .body(Map.of("id", "audited-dev", "token", "token-of-audited-0123456789"))
                .post("/api/v1/devices")
                .then()
                .statusCode(201);
        List<Map<String, Object>> audit =
                as(ADMIN)
                        .get("/api/v1/audit?limit=5000")
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getList("entries");
        assertThat(audit)
                .anySatisfy(
                        a -> {
                            assertThat(a.get("action")).isEqualTo("device.register");
                            assertThat(a.get("subject")).isEqualTo("audited-dev");
                            assertThat(a.get("actor")).isEqualTo("test-admin");
                        });
        as(OPERATOR).get("/api/v1/audit").then().statusCode(403);
        assertThat(
                        as(ADMIN)
                                .get("/api/v1/audit?limit=5000")
                                .then()
                                .extract()
                                .jsonPath()
                                .getList("entries.action", String.class))
                .contains("http GET /api/v1/audit");
        as(ADMIN)
                .contentType(ContentType.JSON)
                .body("{\"id\":\"" + "x".repeat(2 << 20) + "\"}")
                .post("/api/v1/devices")
                .then()
                .statusCode(413);
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/openapi").then().statusCode(401);
        as(VIEWER)
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .body(containsString("/api/v1/deployments"));
    }
}
