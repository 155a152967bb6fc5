package dev.meerkat.firmware;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.boot.BootPhase;
import dev.meerkat.boot.RollbackReason;
import dev.meerkat.firmware.app.FirmwareImage;
import dev.meerkat.firmware.device.DeviceContext;
import dev.meerkat.firmware.device.Library;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.ota.OtaEvent;
import dev.meerkat.firmware.ota.OtaResult;
import dev.meerkat.firmware.ota.OtaUpdate;
import dev.meerkat.firmware.rpc.RpcException;
import dev.meerkat.fleetsim.ImageServer;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OtaEndToEndTest {

    static ImageServer server;
    static ImageServer noRange;

    @BeforeAll
    static void servers() throws Exception {
        server = new ImageServer(false);
        noRange = new ImageServer(true);
        for (String n : ExampleApps.NAMES) {
            server.put(n + ".bin", Fixture.image(n));
            noRange.put(n + ".bin", Fixture.image(n));
        }
    }

    @AfterAll
    static void stop() {
        server.close();
        noRange.close();
    }

    private static Board up(String id, Fixture.Events ev) {
        Board b = Fixture.board(id, ev).build();
        b.start();
        assertThat(b.await(Board::isUp, Fixture.WAIT)).as("boots v1: " + ev.log).isTrue();
        return b;
    }

    private static boolean finished(Fixture.Events ev) {
        return ev.has("committed") || ev.has("rolled_back") || ev.has("failed");
    }

    private static boolean otaIdle(Board b) {
        try {
            return b.isUp() && b.rpc("OTA.Status", null).path("phase").asText().equals("idle");
        } catch (RuntimeException | RpcException e) {
            return false;
        }
    }

    private static void update(Board b, String url) throws RpcException {
        b.rpc("OTA.Update", Fixture.args("{\"url\":\"" + url + "\",\"commit_timeout\":0}"));
    }

    /**
     * A second delivery channel, as a cloud job agent would be: its own trigger, the shared update
     * flow.
     */
    private static Library jobAgent(OtaUpdate ota, List<OtaEvent> seen) {
        return new Library() {
            @Override
            public String name() {
                return "job-agent";
            }

            @Override
            public int order() {
                return 60;
            }

            @Override
            public void init(DeviceContext device) {
                ota.addListener(
                        e -> {
                            if (e.origin().equals("job-agent")) {
                                seen.add(e);
                            }
                        });
                device.rpc()
                        .add(
                                "Job.Start",
                                a -> {
                                    try {
                                        ota.update(
                                                new OtaUpdate.Request(
                                                        "job-agent",
                                                        a.path("url").asText(),
                                                        OptionalLong.of(0),
                                                        new OtaUpdate.Expectations(
                                                                Optional.of(
                                                                        a.path("version").asText()),
                                                                OptionalLong.empty())));
                                    } catch (OtaUpdate.BusyException e) {
                                        throw new RpcException(409, e.getMessage());
                                    }
                                    return null;
                                });
            }
        };
    }

    @Test
    void aSecondDeliveryChannelReusesTheUpdateFlow() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        List<OtaEvent> seen = new CopyOnWriteArrayList<>();
        try (Board b =
                Fixture.board("dev-job", ev).updateChannel(ota -> jobAgent(ota, seen)).build()) {
            b.start();
            assertThat(b.await(Board::isUp, Fixture.WAIT)).as(ev.log.toString()).isTrue();
            b.rpc(
                    "Job.Start",
                    Fixture.args(
                            "{\"url\":\"" + server.url("v2.bin") + "\",\"version\":\"9.9.9\"}"));
            assertThat(b.await(x -> ev.has("failed"), Fixture.WAIT)).as(ev.log.toString()).isTrue();
            assertThat(ev.last("failed").path("error").asText()).contains("not the expected 9.9.9");
            b.rpc(
                    "Job.Start",
                    Fixture.args(
                            "{\"url\":\"" + server.url("v2.bin") + "\",\"version\":\"2.0.0\"}"));
            assertThat(b.await(x -> ev.has("committed") && x.isUp(), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            assertThat(b.runningVersion()).isEqualTo("2.0.0");
            assertThat(seen)
                    .anyMatch(
                            e -> e instanceof OtaEvent.Installed i && i.version().equals("2.0.0"));
            assertThat(seen)
                    .anyMatch(
                            e ->
                                    e instanceof OtaEvent.Ended end
                                            && end.result().outcome()
                                                    == OtaResult.Outcome.COMMITTED);
            assertThat(b.rpc("OTA.Status", null).path("origin").asText()).isEqualTo("job-agent");
        }
    }

    @Test
    void v1ToV2Commits() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        try (Board b = up("dev-commit", ev)) {
            assertThat(b.rpc("Sys.GetInfo", null).get("fw_version").asText()).isEqualTo("1.0.0");
            assertThat(b.rpc("Sensor.Read", null).get("version").asInt()).isEqualTo(1);
            update(b, server.url("v2.bin"));
            assertThat(b.await(x -> ev.has("committed") && x.isUp(), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            assertThat(b.rpc("Sys.GetInfo", null).get("fw_version").asText()).isEqualTo("2.0.0");
            assertThat(b.rpc("Sensor.Read", null).get("version").asInt()).isEqualTo(2);
            assertThat(b.bootStatus().phase()).isEqualTo(BootPhase.COMMITTED);
            assertThat(b.rpc("Sys.GetInfo", null).get("security_counter").asLong()).isEqualTo(2);
            assertThat(ev.has("testing")).isTrue();
            assertThat(
                            ev.ota.stream()
                                    .filter(e -> e.path("state").asText().equals("downloading"))
                                    .count())
                    .isGreaterThan(3);
        }
    }

    @Test
    void brokenV2RollsBackWithReason() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        try (Board b = up("dev-broken", ev)) {
            update(b, server.url("v2-broken.bin"));
            assertThat(b.await(x -> ev.has("rolled_back") && x.isUp(), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            JsonNode r = ev.last("rolled_back");
            assertThat(r.get("reason").asText()).isEqualTo(RollbackReason.TEST_BOOT_FAULT.name());
            assertThat(r.get("detail").asText()).contains("sensor not found");
            assertThat(b.rpc("Sys.GetInfo", null).get("fw_version").asText()).isEqualTo("1.0.0");
            assertThat(b.rpc("OTA.Status", null).get("result").get("state").asText())
                    .isEqualTo("rolled_back");
            // the device still updates to a good image afterwards
            update(b, server.url("v2.bin"));
            assertThat(b.await(x -> ev.has("committed") && x.isUp(), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
        }
    }

    @Test
    void commitTimeoutCommitsWhenHealthyAndOtaCommitCommitsAtOnce() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        try (Board b = up("dev-timeout", ev)) {
            b.rpc(
                    "OTA.Update",
                    Fixture.args(
                            "{\"url\":\"" + server.url("v2.bin") + "\",\"commit_timeout\":300}"));
            assertThat(b.await(x -> ev.has("testing") && x.isUp(), Fixture.WAIT)).isTrue();
            assertThat(b.bootStatus().phase()).isEqualTo(BootPhase.TESTING);
            b.advance(java.time.Duration.ofSeconds(299));
            assertThat(b.bootStatus().phase()).isEqualTo(BootPhase.TESTING);
            b.advance(java.time.Duration.ofSeconds(2));
            assertThat(b.bootStatus().phase()).isEqualTo(BootPhase.COMMITTED);
            assertThat(ev.last("committed").get("detail").asText()).contains("commit_timeout");
        }
    }

    @Test
    void otaRevertDuringTestBootReturnsToV1() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        try (Board b = up("dev-revert", ev)) {
            b.rpc(
                    "OTA.Update",
                    Fixture.args(
                            "{\"url\":\"" + server.url("v2.bin") + "\",\"commit_timeout\":600}"));
            assertThat(b.await(x -> ev.has("testing") && x.isUp(), Fixture.WAIT)).isTrue();
            b.rpc("OTA.Revert", null);
            assertThat(b.await(x -> ev.has("rolled_back") && x.isUp(), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            assertThat(ev.last("rolled_back").get("reason").asText())
                    .isEqualTo(RollbackReason.APP_REVERT.name());
            assertThat(b.runningVersion()).isEqualTo("1.0.0");
        }
    }

    @Test
    void refusedImages() throws Exception {
        byte[] tampered = Fixture.image("v2").clone();
        tampered[FirmwareImage.HEADER_SIZE + 100] ^= 1;
        server.put("tampered.bin", tampered);
        server.put("rogue.bin", ExampleApps.image("v2", Fixture.ROGUE, null, 0));
        server.put(
                "platform.bin",
                FirmwareImage.build(
                        ExampleApps.bundle("v2", 0), "2.0.0", 2, "esp32", Fixture.KEY, null));
        server.put(
                "counter.bin",
                FirmwareImage.build(
                        ExampleApps.bundle("v1", 0),
                        "3.0.0",
                        0,
                        FirmwareImage.PLATFORM,
                        Fixture.KEY,
                        null));
        server.put("garbage.bin", new byte[5000]);
        Fixture.Events ev = new Fixture.Events();
        try (Board b = up("dev-refuse", ev)) {
            String[][] cases = {
                {"tampered.bin", "IMAGE_HASH_MISMATCH"},
                {"rogue.bin", "IMAGE_UNKNOWN_KEY"},
                {"platform.bin", "platform esp32"},
                {"garbage.bin", "not a firmware image"},
                {"missing.bin", "HTTP 404"},
            };
            for (String[] c : cases) {
                int before = ev.ota.size();
                update(b, server.url(c[0]));
                assertThat(
                                b.await(
                                        x ->
                                                ev.ota.size() > before
                                                        && ev.ota
                                                                .get(ev.ota.size() - 1)
                                                                .path("state")
                                                                .asText()
                                                                .equals("failed"),
                                        Fixture.WAIT))
                        .as(c[0] + " " + ev.log)
                        .isTrue();
                assertThat(ev.last("failed").toString()).contains(c[1]);
                assertThat(b.runningVersion()).isEqualTo("1.0.0");
            }
            // v2 commits (counter 2); then v1 (lower version) and a higher version with counter 0
            // are downgrades
            update(b, server.url("v2.bin"));
            assertThat(b.await(x -> ev.has("committed") && x.isUp(), Fixture.WAIT)).isTrue();
            update(b, server.url("v1.bin"));
            assertThat(
                            b.await(
                                    x ->
                                            ev.last("failed") != null
                                                    && ev.last("failed")
                                                            .toString()
                                                            .contains("downgrade")
                                                    && !ev.last("failed")
                                                            .toString()
                                                            .contains("platform"),
                                    Fixture.WAIT))
                    .isTrue();
            int before = ev.ota.size();
            update(b, server.url("counter.bin"));
            assertThat(
                            b.await(
                                    x ->
                                            ev.ota.size() > before
                                                    && ev.last("failed")
                                                            .toString()
                                                            .contains("security counter 0"),
                                    Fixture.WAIT))
                    .as(ev.ota.toString())
                    .isTrue();
            assertThat(b.runningVersion()).isEqualTo("2.0.0");
            assertThat(b.bootStatus().phase()).isEqualTo(BootPhase.COMMITTED);
        }
    }

    @Test
    void networkDropResumesWithRange() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        try (Board b = up("dev-drop", ev)) {
            long ranged = server.rangeRequests();
            b.dropDownloadAfter(10_000);
            update(b, server.url("v2.bin"));
            assertThat(b.await(x -> ev.has("committed") && x.isUp(), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            assertThat(ev.has("retrying")).isTrue();
            assertThat(server.rangeRequests()).isGreaterThan(ranged);
        }
    }

    @Test
    void serverIgnoringRangeMakesTheDownloadStartOver() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        try (Board b = up("dev-norange", ev)) {
            b.dropDownloadAfter(10_000);
            update(b, noRange.url("v2.bin"));
            assertThat(b.await(x -> ev.has("committed") && x.isUp(), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            assertThat(ev.log).anyMatch(l -> l.contains("ignored Range"));
            assertThat(noRange.requests()).isGreaterThanOrEqualTo(2);
            assertThat(noRange.rangeRequests()).isZero();
        }
    }

    @Test
    void powerCutDuringTestBootRollsBackAndALaterUpdateCommits() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        try (Board b = up("dev-cut-test", ev)) {
            // armed when the update is installed: the bootloader's test-boot record is written, the
            // next state change (the commit record) is torn
            ev.onInstalled = () -> b.device().power().cutAfter(1);
            update(b, server.url("v2.bin"));
            assertThat(b.await(x -> ev.has("rolled_back") && x.isUp(), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            assertThat(ev.last("rolled_back").get("reason").asText())
                    .isEqualTo(RollbackReason.TEST_BOOT_POWER_LOSS.name());
            assertThat(b.runningVersion()).isEqualTo("1.0.0");
            update(b, server.url("v2.bin"));
            assertThat(b.await(x -> ev.has("committed") && x.isUp(), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            assertThat(b.runningVersion()).isEqualTo("2.0.0");
        }
    }

    @Test
    void powerCutsDuringDownloadAndSlotWriteNeverBrickAndTheUpdateCompletes() throws Exception {
        for (int cut : new int[] {1, 4, 9, 17, 26}) {
            Fixture.Events ev = new Fixture.Events();
            try (Board b = up("dev-cut-" + cut, ev)) {
                b.onDevice(
                        fw -> {
                            fw.device().power().cutAfter(cut);
                            return null;
                        });
                try {
                    update(b, server.url("v2.bin"));
                } catch (IllegalStateException resetDuringCall) {
                    // the cut came before the answer; the device continues after its reboot
                }
                assertThat(b.await(x -> x.boots() >= 2 && otaIdle(x), Fixture.WAIT))
                        .as("cut " + cut + ": " + ev.log)
                        .isTrue();
                if (!ev.has("committed")) {
                    assertThat(b.runningVersion()).isEqualTo("1.0.0");
                    update(b, server.url("v2.bin"));
                    assertThat(b.await(x -> ev.has("committed") && x.isUp(), Fixture.WAIT))
                            .as(ev.log.toString())
                            .isTrue();
                }
                assertThat(b.runningVersion()).isEqualTo("2.0.0");
                assertThat(b.boots()).as("the cut happened").isGreaterThanOrEqualTo(3);
            }
        }
    }
}
