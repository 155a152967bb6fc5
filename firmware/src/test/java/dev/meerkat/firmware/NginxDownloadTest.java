package dev.meerkat.firmware;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Updates downloaded from a real nginx: Range + If-Range resume, nginx with ranges off, nginx
 * killed mid-download.
 */
class NginxDownloadTest {

    @TempDir static Path tmp;
    static Nginx nginx;

    @BeforeAll
    static void start() throws Exception {
        nginx = new Nginx(tmp);
        nginx.put("v2.bin", Fixture.image("v2"));
    }

    @AfterAll
    static void stop() throws Exception {
        nginx.close();
    }

    private static Board up(String id, Fixture.Events ev) {
        Board b = Fixture.board(id, ev).build();
        b.start();
        assertThat(b.await(Board::isUp, Fixture.WAIT)).as("boots v1: " + ev.log).isTrue();
        return b;
    }

    private static void update(Board b, String url) throws Exception {
        b.rpc("OTA.Update", Fixture.args("{\"url\":\"" + url + "\",\"commit_timeout\":0}"));
    }

    private static List<String> log(String uri) throws Exception {
        return nginx.accessLog().stream().filter(l -> l.contains(" " + uri + " ")).toList();
    }

    @Test
    void droppedConnectionResumesWithRangeAndIfRange() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        try (Board b = up("dev-nginx-drop", ev)) {
            b.dropDownloadAfter(10_000);
            update(b, nginx.url("", "v2.bin"));
            assertThat(b.await(x -> ev.has("committed") && x.isUp(), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            assertThat(b.runningVersion()).isEqualTo("2.0.0");
            assertThat(ev.has("retrying")).isTrue();
            List<String> requests = log("/v2.bin");
            // one full GET cut short, then a 206 for the rest, conditional on nginx's own ETag (its
            // log writes \" as \\x22)
            assertThat(requests)
                    .anyMatch(l -> l.startsWith("200 GET") && l.contains("range=\"-\""));
            assertThat(requests)
                    .as(requests.toString())
                    .anyMatch(
                            l ->
                                    l.startsWith("206 GET")
                                            && l.matches(
                                                    ".*range=\"bytes=\\d+-\" if_range=\"(\\\\x22)?[0-9a-f]+-[0-9a-f]+(\\\\x22)?\".*"));
        }
    }

    @Test
    void nginxWithRangesOffMakesTheDownloadStartOver() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        try (Board b = up("dev-nginx-norange", ev)) {
            b.dropDownloadAfter(10_000);
            update(b, nginx.url("norange/", "v2.bin"));
            assertThat(b.await(x -> ev.has("committed") && x.isUp(), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            assertThat(ev.log).anyMatch(l -> l.contains("ignored Range"));
            List<String> requests = log("/norange/v2.bin");
            assertThat(requests)
                    .as(requests.toString())
                    .anyMatch(l -> l.startsWith("200 GET") && l.contains("range=\"bytes="))
                    .noneMatch(l -> l.startsWith("206"));
        }
    }

    @Test
    void nginxKilledMidDownloadAndRestartedResumes() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        try (Board b = up("dev-nginx-kill", ev)) {
            update(b, nginx.url("slow/", "v2.bin"));
            // rate-limited to 16 KiB/s: the transfer is under way when the server dies
            assertThat(b.await(x -> progress(ev) >= 20, Fixture.WAIT))
                    .as(ev.ota.toString())
                    .isTrue();
            nginx.stop();
            assertThat(b.await(x -> ev.has("retrying"), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            nginx.start();
            assertThat(b.await(x -> ev.has("committed") && x.isUp(), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            assertThat(b.runningVersion()).isEqualTo("2.0.0");
            List<String> requests = log("/slow/v2.bin");
            assertThat(requests).as(requests.toString()).anyMatch(l -> l.startsWith("206 GET"));
        }
    }

    private static int progress(Fixture.Events ev) {
        int max = -1;
        for (JsonNode e : ev.ota) {
            if (e.path("state").asText().equals("downloading") && e.has("progress")) {
                max = Math.max(max, e.get("progress").asInt());
            }
        }
        return max;
    }
}
