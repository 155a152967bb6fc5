package dev.meerkat.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The deployments page, rendered by headless Chromium (Debian's) against the running service. */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class WebPageChromiumTest {
    static final String CHROMIUM = "/usr/bin/chromium";

    @TestHTTPResource("/")
    java.net.URL root;

    @Test
    void showsDeploymentsPhasesAndPerStateCounts() throws Exception {
        Assumptions.assumeTrue(
                Files.isExecutable(Path.of(CHROMIUM)),
                "Debian package chromium is not installed (test.sh installs it)");
        List<DeviceSim> devices = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            DeviceSim d = new DeviceSim("web-" + i, "token-of-web-" + i + "-0123456789");
            Api.registerWithToken(d.id(), d.token(), Map.of());
            devices.add(d);
        }
        Api.upload("web-v2", TestReleases.image("6.0.0"));
        Api.staticGroup("web-all", devices.stream().map(DeviceSim::id).toList());
        Api.deploy(
                "web-dep",
                "web-v2",
                "web-all",
                Map.of("phases", List.of(Map.of("count", 2), Map.of())));
        Api.awaitStatus("web-dep", s -> s.getInt("phases[0].released") == 2);
        for (DeviceSim d : devices) d.runOnce("1.0.0", false);
        Api.awaitStatus("web-dep", s -> Api.state(s).equals("WAITING"));

        String dom = render(root + "#token=" + Api.VIEWER);
        int at = dom.indexOf("data-deployment=\"web-dep\"");
        assertThat(at).as("the page shows web-dep: %s", dom).isPositive();
        String section = dom.substring(at, dom.indexOf("</section>", at));
        assertThat(section)
                .contains("data-state=\"WAITING\"")
                .contains("phase 1 of 2 finished: 2 of 2 succeeded");
        String phase1 =
                section.substring(
                        section.indexOf("data-phase=\"1\""), section.indexOf("data-phase=\"2\""));
        assertThat(phase1)
                .contains("<td data-state=\"SUCCEEDED\">2</td>")
                .contains("<td data-state=\"FAILED\">0</td>");
        String phase2 = section.substring(section.indexOf("data-phase=\"2\""));
        assertThat(phase2).contains("<td data-state=\"QUEUED\">2</td>");
        // Without a token the page asks for one and shows no data.
        String anonymous = render(root.toString());
        assertThat(anonymous)
                .doesNotContain("data-deployment=")
                .contains("id=\"login\"")
                .doesNotContain("id=\"login\" hidden");
    }

    private static String render(String url) throws Exception {
        Path profile = Files.createTempDirectory("chromium-profile");
        List<String> cmd =
                List.of(
                        CHROMIUM,
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--disable-dev-shm-usage",
                        "--user-data-dir=" + profile,
                        "--virtual-time-budget=8000",
                        "--dump-dom",
                        url);
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish");
        }
        return out;
    }
}
