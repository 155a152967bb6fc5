package dev.meerkat.fleet;

import static dev.meerkat.fleet.Api.VIEWER;
import static dev.meerkat.fleet.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The embedded defaults: H2 in a file and releases in a local directory, downloads from the service
 * itself.
 */
@QuarkusTest
@TestProfile(EmbeddedProfile.class)
class EmbeddedH2Test {

    @Test
    void aPhasedDeploymentRunsOnTheEmbeddedDefaults() {
        byte[] image = TestReleases.image("3.0.0");
        Api.upload("h2-v3", image);
        DeviceSim a = new DeviceSim("h2-a", "token-of-h2-a-0123456789");
        DeviceSim b = new DeviceSim("h2-b", "token-of-h2-b-0123456789");
        Api.registerWithToken(a.id(), a.token(), Map.of());
        Api.registerWithToken(b.id(), b.token(), Map.of());
        Api.staticGroup("h2-all", List.of(a.id(), b.id()));
        Api.deploy(
                "h2-dep",
                "h2-v3",
                "h2-all",
                Map.of("phases", List.of(Map.of("count", 1), Map.of()), "autoPause", false));
        Api.awaitStatus("h2-dep", s -> s.getInt("phases[0].released") == 1);
        DeviceSim first = a.poll("1.0.0") != null ? a : b;
        JsonPath w = first.poll("1.0.0");
        assertThat(w.getString("url"))
                .isEqualTo("/api/v1/device/" + first.id() + "/executions/h2-dep/artifact");
        byte[] tail =
                Api.device(first.token())
                        .header("Range", "bytes=-16")
                        .get(w.getString("url"))
                        .then()
                        .statusCode(206)
                        .extract()
                        .asByteArray();
        assertThat(tail).isEqualTo(Arrays.copyOfRange(image, image.length - 16, image.length));
        first.runOnce("1.0.0", false);
        Api.awaitStatus("h2-dep", s -> s.getInt("phases[1].released") == 1);
        (first == a ? b : a).runOnce("1.0.0", false);
        JsonPath done = Api.awaitStatus("h2-dep", s -> Api.state(s).equals("COMPLETED"));
        assertThat(Api.total(done, "SUCCEEDED")).isEqualTo(2);
        as(VIEWER).get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }
}
