package dev.meerkat.firmware;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.config.Config;
import dev.meerkat.firmware.config.ConfigException;
import dev.meerkat.firmware.config.ConfigLayers;
import dev.meerkat.firmware.fs.DirectoryFileStore;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.rpc.RpcException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bad configuration cannot brick a device: schema ranges, and a fallback when the network cannot
 * start.
 */
class ConfigSafetyTest {

    private static Config systemConfig(DirectoryFileStore fs) {
        return new Config((ObjectNode) Json.parse(Firmware.SYSTEM_DEFAULTS), fs);
    }

    @Test
    void valuesOutsideTheSchemaRangesAreRefusedOnSetAndIgnoredOnLoad(@TempDir Path dir) {
        DirectoryFileStore fs = new DirectoryFileStore(dir);
        Config c = systemConfig(fs);
        assertThatThrownBy(() -> c.set(Json.parse("{\"debug\":{\"level\":99999999999999999999}}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("debug.level");
        assertThatThrownBy(() -> c.set(Json.parse("{\"mqtt\":{\"keep_alive\":-5}}")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mqtt.keep_alive must be 0..65535");
        assertThatThrownBy(
                        () -> c.set(Json.parse("{\"http\":{\"listen_addr\":\"127.0.0.1:70000\"}}")))
                .hasMessageContaining("port 0..65535");
        assertThatThrownBy(() -> c.set(Json.parse("{\"http\":{\"listen_addr\":\"no port\"}}")))
                .hasMessageContaining("http.listen_addr");
        assertThatThrownBy(() -> c.set(Json.parse("{\"device\":{\"id\":\"a/b#\"}}")))
                .hasMessageContaining("device.id");
        assertThatThrownBy(() -> c.set(Json.parse("{\"ota\":{\"chunk\":4294967296}}")))
                .hasMessageContaining("ota.chunk");
        // all or nothing: one bad value refuses the whole patch
        assertThatThrownBy(
                        () ->
                                c.set(
                                        Json.parse(
                                                "{\"debug\":{\"level\":3},\"mqtt\":{\"keep_alive\":-1}}")))
                .isInstanceOf(ConfigException.class);
        assertThat(c.getInt("debug.level")).isEqualTo(2);
        assertThat(c.isDirty()).isFalse();
        c.set(
                Json.parse(
                        "{\"debug\":{\"level\":4},\"mqtt\":{\"keep_alive\":0},\"http\":{\"listen_addr\":\"[::1]:8080\"}}"));
        assertThat(c.getInt("debug.level")).isEqualTo(4);

        // values written by other means (an older firmware, a hand-edited file) are ignored with a
        // warning
        fs.write(
                "conf9.json",
                Json.bytes(
                        Json.parse(
                                "{\"debug\":{\"level\":99999999999999999999},\"mqtt\":{\"keep_alive\":-5,\"queue_max\":10}}")));
        Config loaded = systemConfig(fs);
        assertThat(loaded.getInt("debug.level")).isEqualTo(2);
        assertThat(loaded.getInt("mqtt.keep_alive")).isEqualTo(30);
        assertThat(loaded.getInt("mqtt.queue_max")).isEqualTo(10);
        assertThat(loaded.warnings())
                .anyMatch(w -> w.contains("debug.level") && w.contains("ignored"))
                .anyMatch(w -> w.contains("mqtt.keep_alive must be 0..65535"));
    }

    /** The report's reproduction: an invalid port, saved, then a reboot. */
    @Test
    void anInvalidListenPortSavedAndRebootedDoesNotHaltTheDevice() throws Exception {
        ObjectNode conf = Json.object();
        conf.putObject("http").put("enable", true);
        Fixture.Events ev = new Fixture.Events();
        try (Board b = Fixture.board("dev-bad-port", ev).factoryConfig(conf).build()) {
            b.start();
            assertThat(b.await(Board::isUp, Fixture.WAIT)).as(ev.log.toString()).isTrue();
            assertThatThrownBy(
                            () ->
                                    b.rpc(
                                            "Config.Set",
                                            Json.parse(
                                                    "{\"config\":{\"http\":{\"listen_addr\":\"127.0.0.1:70000\"}},\"save\":true}")))
                    .isInstanceOf(RpcException.class)
                    .hasMessageContaining("port 0..65535");
            long boots = b.boots();
            b.rpc("Sys.Reboot", Json.parse("{\"delay_ms\":1}"));
            assertThat(b.await(x -> x.boots() > boots && x.isUp(), Fixture.WAIT))
                    .as(b.state() + " " + b.haltReason() + " " + ev.log)
                    .isTrue();
            assertThat(b.state()).isEqualTo(Board.State.RUNNING);
            assertThat(b.httpPort()).isPositive();
        }
    }

    @Test
    void aNetworkInitFailureCausedByConfigFallsBackToTheLastGoodLayers() throws Exception {
        ObjectNode conf = Json.object();
        conf.putObject("http").put("enable", true);
        Fixture.Events ev = new Fixture.Events();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Board b = Fixture.board("dev-fallback", ev).factoryConfig(conf).build()) {
            b.start();
            assertThat(b.await(Board::isUp, Fixture.WAIT)).as(ev.log.toString()).isTrue();
            b.rpc(
                    "Config.Set",
                    Json.parse("{\"config\":{\"app\":{\"interval_ms\":250}},\"save\":true}"));
            long boots = b.boots();
            b.rpc("Sys.Reboot", Json.parse("{\"delay_ms\":1}"));
            assertThat(b.await(x -> x.boots() > boots && x.isUp(), Fixture.WAIT)).isTrue();

            // valid by the schema, but the port is in use: the HTTP server cannot start
            b.rpc(
                    "Config.Set",
                    Json.parse(
                            "{\"config\":{\"http\":{\"listen_addr\":\"127.0.0.1:"
                                    + taken.getLocalPort()
                                    + "\"}},\"save\":true}"));
            long before = b.boots();
            b.rpc("Sys.Reboot", Json.parse("{\"delay_ms\":1}"));
            assertThat(b.await(x -> x.boots() > before && x.isUp(), Fixture.WAIT))
                    .as(b.state() + " " + b.haltReason() + " " + ev.log)
                    .isTrue();
            assertThat(b.boots()).as("no fault reset on the way").isEqualTo(before + 1);
            assertThat(ev.log)
                    .anyMatch(
                            l ->
                                    l.startsWith("config: network init failed")
                                            && l.contains("from the last good configuration"));
            assertThat(b.rpc("Config.Get", Json.parse("{\"key\":\"http.listen_addr\"}")).asText())
                    .isEqualTo("127.0.0.1:0");
            assertThat(b.rpc("Config.Get", Json.parse("{\"key\":\"app.interval_ms\"}")).asInt())
                    .as("the earlier good change survives")
                    .isEqualTo(250);
            assertThat(b.httpPort()).isPositive().isNotEqualTo(taken.getLocalPort());
            String rejected =
                    b.onDevice(
                            fw -> new String(fw.files().read(ConfigLayers.REJECTED).orElseThrow()));
            assertThat(rejected).contains("127.0.0.1:" + taken.getLocalPort());
        }
    }

    @Test
    void firmwareThatCannotStartItsNetworkWithItsFactoryConfigStillHalts() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ObjectNode conf = Json.object();
            conf.putObject("http")
                    .put("enable", true)
                    .put("listen_addr", "127.0.0.1:" + taken.getLocalPort());
            try (Board b = Fixture.board("dev-no-net", ev).factoryConfig(conf).build()) {
                b.start();
                assertThat(b.await(x -> x.state() == Board.State.HALTED, Fixture.WAIT))
                        .as(ev.log.toString())
                        .isTrue();
                assertThat(b.haltReason()).contains("failed 5 boots");
            }
        }
    }
}
