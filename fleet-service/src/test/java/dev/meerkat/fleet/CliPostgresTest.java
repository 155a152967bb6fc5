package dev.meerkat.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The meerkat release/devices/groups/deploy commands against the running service. */
@QuarkusTest
@WithTestResource(PostgresS3Resource.class)
class CliPostgresTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    java.net.URL root;

    Cli.Result cli(String token, String... args) {
        return Cli.run(root.toString(), token, args);
    }

    @Test
    void releaseDevicesGroupsAndDeployFromTheCommandLine(@TempDir Path dir) throws Exception {
        Path image = Files.write(dir.resolve("app-v2.bin"), TestReleases.image("7.0.0"));
        Cli.Result up =
                cli(
                        Api.RELEASE_MANAGER,
                        "release",
                        "upload",
                        image.toString(),
                        "--id",
                        "cli-v2",
                        "--json");
        assertThat(up.exit()).as(up.toString()).isZero();
        assertThat(JSON.readTree(up.out()).path("version").asText()).isEqualTo("7.0.0");
        Cli.Result refused =
                cli(Api.RELEASE_MANAGER, "release", "upload", image.toString(), "--id", "cli-v2");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("HTTP 409").contains("release cli-v2 exists");
        assertThat(
                        cli(
                                        Api.RELEASE_MANAGER,
                                        "release",
                                        "upload",
                                        dir.resolve("missing.bin").toString())
                                .exit())
                .isEqualTo(3);

        Path journal =
                Files.writeString(
                        dir.resolve("provision.jsonl"),
                        "{\"station\":\"s1\",\"serial\":\"0123C1\",\"certSerial\":\"1\",\"fingerprint\":\""
                                + "01".repeat(32)
                                + "\"}\n"
                                + "{\"station\":\"s1\",\"serial\":\"0123C2\",\"certSerial\":\"2\",\"fingerprint\":\""
                                + "02".repeat(32)
                                + "\"}\n");
        Cli.Result reg =
                cli(
                        Api.OPERATOR,
                        "devices",
                        "register",
                        "--from-log",
                        journal.toString(),
                        "--attr",
                        "region=eu-west");
        assertThat(reg.exit()).as(reg.toString()).isZero();
        assertThat(reg.out()).contains("registered 2 devices (0 already known)");
        Path token = Files.writeString(dir.resolve("dev.token"), "token-of-cli-dev-0123456789\n");
        assertThat(
                        cli(
                                        Api.OPERATOR,
                                        "devices",
                                        "register",
                                        "--id",
                                        "cli-dev",
                                        "--token-file",
                                        token.toString(),
                                        "--attr",
                                        "platform=meerkat-sim")
                                .exit())
                .isZero();
        assertThat(cli(Api.VIEWER, "devices", "list").out()).contains("0123C1").contains("cli-dev");
        JsonNode shown = JSON.readTree(cli(Api.VIEWER, "devices", "show", "cli-dev").out());
        assertThat(shown.path("device").path("attributes").path("platform").asText())
                .isEqualTo("meerkat-sim");

        assertThat(
                        cli(
                                        Api.OPERATOR,
                                        "groups",
                                        "create",
                                        "cli-all",
                                        "--member",
                                        "0123C1,0123C2,cli-dev")
                                .exit())
                .isZero();
        assertThat(cli(Api.OPERATOR, "groups", "create", "cli-eu", "--filter", "region=eu-*").out())
                .contains("dynamic");
        JsonNode group = JSON.readTree(cli(Api.VIEWER, "groups", "show", "cli-eu", "--json").out());
        assertThat(group.path("members")).hasSize(2);

        Cli.Result created =
                cli(
                        Api.RELEASE_MANAGER,
                        "deploy",
                        "create",
                        "--id",
                        "cli-dep",
                        "--release",
                        "cli-v2",
                        "--group",
                        "cli-all",
                        "--phase",
                        "1",
                        "--phase",
                        "rest",
                        "--abort",
                        "FAILED:50:1",
                        "--json");
        assertThat(created.exit()).as(created.toString()).isZero();
        JsonNode s = JSON.readTree(created.out());
        assertThat(s.path("phases").get(0).path("devices").asInt()).isEqualTo(1);
        assertThat(s.path("phases").get(1).path("devices").asInt()).isEqualTo(2);
        Cli.Result status = cli(Api.VIEWER, "deploy", "status", "cli-dep");
        assertThat(status.out())
                .contains("cli-dep  release cli-v2 (7.0.0) -> group cli-all")
                .contains("phase 1 [")
                .contains("phase 2 [");
        assertThat(cli(Api.OPERATOR, "deploy", "pause", "cli-dep").out()).contains("PAUSED");
        Cli.Result again = cli(Api.OPERATOR, "deploy", "pause", "cli-dep");
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("HTTP 409");
        assertThat(cli(Api.VIEWER, "deploy", "cancel", "cli-dep").exit()).isEqualTo(1);
        assertThat(cli(Api.OPERATOR, "deploy", "cancel", "cli-dep").out()).contains("CANCELED");
        Cli.Result watched =
                cli(Api.VIEWER, "deploy", "status", "cli-dep", "--watch", "--interval", "0.2");
        assertThat(watched.exit())
                .as("a canceled deployment ends the watch with exit 1")
                .isEqualTo(1);
        assertThat(watched.out()).contains("queued executions canceled");
        Cli.Result watchedJson =
                cli(
                        Api.VIEWER,
                        "deploy",
                        "status",
                        "cli-dep",
                        "--watch",
                        "--interval",
                        "0.2",
                        "--json");
        assertThat(watchedJson.exit()).isEqualTo(1);
        assertThat(watchedJson.out().strip().lines()).hasSize(1);
        assertThat(JSON.readTree(watchedJson.out()).path("deployment").path("state").asText())
                .isEqualTo("CANCELED");

        // --json lists are one object on one line, the list under a plural name
        for (String[] list :
                new String[][] {
                    {"release", "list", "releases"},
                    {"devices", "list", "devices"},
                    {"groups", "list", "groups"},
                    {"deploy", "status", "deployments"}
                }) {
            Cli.Result r = cli(Api.VIEWER, list[0], list[1], "--json");
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.out().strip().lines()).as(r.out()).hasSize(1);
            JsonNode doc = JSON.readTree(r.out());
            assertThat(doc.path(list[2]).isArray()).as(r.out()).isTrue();
            assertThat(doc.path(list[2])).as(r.out()).isNotEmpty();
        }
        assertThat(cli(Api.VIEWER, "deploy", "--help").exit()).isZero();
        assertThat(cli(Api.VIEWER, "deploy", "create", "--release", "x").exit()).isEqualTo(2);
    }
}
