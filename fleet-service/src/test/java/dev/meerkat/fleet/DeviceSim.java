package dev.meerkat.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.util.Map;

/**
 * A device that polls the JSON device API with its token, downloads what it is given and reports
 * the outcome. {@code broken} devices behave as a bad image makes them: the bootloader reverts.
 */
public record DeviceSim(String id, String token) {

    /** Polls once; returns the work offered, or null. */
    public JsonPath poll(String runningVersion) {
        Response r =
                Api.device(token)
                        .header("X-Meerkat-Version", runningVersion)
                        .get("/api/v1/device/" + id + "/next");
        assertThat(r.statusCode()).as("poll of %s: %s", id, r.asString()).isIn(200, 204);
        return r.statusCode() == 204 ? null : r.jsonPath();
    }

    /**
     * Polls and, if offered an update, runs it: success, or a rollback with the bootloader's
     * reason.
     */
    public String runOnce(String runningVersion, boolean broken) {
        JsonPath w = poll(runningVersion);
        if (w == null) return null;
        String dep = w.getString("deploymentId");
        long v = w.getLong("versionNumber");
        Map<String, Object> progress =
                Map.of(
                        "status",
                        "IN_PROGRESS",
                        "expectedVersion",
                        v,
                        "statusDetails",
                        "downloading");
        long v2 =
                Api.device(token)
                        .contentType(ContentType.JSON)
                        .body(progress)
                        .post("/api/v1/device/" + id + "/executions/" + dep)
                        .then()
                        .statusCode(200)
                        .extract()
                        .jsonPath()
                        .getLong("versionNumber");
        byte[] image =
                Api.device(token)
                        .get("/api/v1/device/" + id + "/executions/" + dep + "/artifact")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asByteArray();
        assertThat(image.length).isEqualTo(w.getLong("size"));
        Map<String, Object> outcome =
                broken
                        ? Map.of(
                                "status",
                                "FAILED",
                                "expectedVersion",
                                v2,
                                "statusDetails",
                                "image did not confirm",
                                "rollbackReason",
                                "bootloader reverted to slot 0: image not confirmed after test boot")
                        : Map.of(
                                "status",
                                "SUCCEEDED",
                                "expectedVersion",
                                v2,
                                "statusDetails",
                                "committed " + w.getString("version"));
        Api.device(token)
                .contentType(ContentType.JSON)
                .body(outcome)
                .post("/api/v1/device/" + id + "/executions/" + dep)
                .then()
                .statusCode(200);
        return dep;
    }
}
