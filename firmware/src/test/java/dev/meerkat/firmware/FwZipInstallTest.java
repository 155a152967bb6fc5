package dev.meerkat.firmware;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.firmware.device.DeviceContext;
import dev.meerkat.firmware.device.Library;
import dev.meerkat.firmware.ota.FwZipInstall;
import dev.meerkat.firmware.ota.OtaEvent;
import dev.meerkat.firmware.ota.OtaUpdate;
import dev.meerkat.fwzip.FwBundleWriter;
import dev.meerkat.fwzip.FwPart;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Mongoose fw.zip whose app part is a Meerkat image installs through OtaUpdate's upload path. */
class FwZipInstallTest {

    private static java.security.PrivateKey signer() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair().getPrivate();
    }

    @Test
    void theAppPartOfAFwZipIsInstalledAndCommitted(@TempDir Path tmp) throws Exception {
        Path zip = tmp.resolve("fw.zip");
        FwBundleWriter.builder("meerkat-app", "meerkat-sim", "2.0.0")
                .addPart(
                        new FwPart("app", "app", "app.bin", null, null, null, Map.of()),
                        Fixture.image("v2"))
                .signWith(signer())
                .build()
                .write(zip);
        byte[] bundle = Files.readAllBytes(zip);
        AtomicReference<OtaUpdate> ota = new AtomicReference<>();
        List<String> ended = new CopyOnWriteArrayList<>();
        Fixture.Events ev = new Fixture.Events();
        try (Board b =
                Fixture.board("dev-fwzip", ev)
                        .updateChannel(
                                o ->
                                        new Library() {
                                            @Override
                                            public String name() {
                                                return "zip";
                                            }

                                            @Override
                                            public int order() {
                                                return 60;
                                            }

                                            @Override
                                            public void init(DeviceContext d) {
                                                ota.set(o);
                                                o.addListener(
                                                        e -> {
                                                            if (e instanceof OtaEvent.Ended x) {
                                                                ended.add(
                                                                        x.origin()
                                                                                + " "
                                                                                + x.result()
                                                                                        .outcome());
                                                            }
                                                        });
                                            }
                                        })
                        .build()) {
            b.start();
            assertThat(b.await(Board::isUp, Fixture.WAIT)).isTrue();
            b.onDevice(
                    fw -> {
                        try {
                            FwZipInstall.install(ota.get(), "zip", bundle);
                        } catch (OtaUpdate.BusyException e) {
                            throw new IllegalStateException(e);
                        }
                        return null;
                    });
            assertThat(b.await(x -> x.isUp() && ended.contains("zip COMMITTED"), Fixture.WAIT))
                    .as(ev.log.toString())
                    .isTrue();
            assertThat(b.runningVersion()).isEqualTo("2.0.0");
        }
    }
}
