package dev.meerkat.cli.chip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.chip.CryptoChip;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.kit.KitClientTransport;
import dev.meerkat.cli.Meerkat;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChipCommandTest {

    private static String run(StringWriter out, StringWriter err, String... args) {
        int code = Meerkat.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isZero();
        return out.toString();
    }

    @Test
    void infoOnAnEmulatorStateFile(@TempDir Path dir) {
        Path state = dir.resolve("chip.state");
        String out =
                run(
                        new StringWriter(),
                        new StringWriter(),
                        "chip",
                        "info",
                        "--chip",
                        "emulator:" + state);
        assertThat(out)
                .contains("revision:    00006002")
                .contains("serial:      0123")
                .contains("config zone: unlocked");
        assertThat(Files.exists(state)).isTrue();
    }

    @Test
    void serveAnswersTheKitProtocol(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("served.state");
        StringWriter out = new StringWriter();
        Thread server =
                new Thread(
                        () ->
                                Meerkat.run(
                                        new String[] {
                                            "chip",
                                            "serve",
                                            "--kit",
                                            "tcp:127.0.0.1:0",
                                            "--state",
                                            state.toString()
                                        },
                                        new PrintWriter(out, true),
                                        new PrintWriter(new StringWriter(), true)));
        server.setDaemon(true);
        server.start();
        Pattern port = Pattern.compile("tcp:127\\.0\\.0\\.1:(\\d+)");
        Matcher m = port.matcher("");
        for (int i = 0; i < 500 && !m.find(); i++) {
            Thread.sleep(10);
            m = port.matcher(out.toString());
        }
        assertThat(m.find(0)).as(out.toString()).isTrue();
        int p = Integer.parseInt(m.group(1));
        try (CryptoChip chip =
                new CryptoChip(
                        KitClientTransport.connect("127.0.0.1", p, DeviceType.ATECC608),
                        DeviceType.ATECC608)) {
            assertThat(chip.info()).containsExactly(0x00, 0x00, 0x60, 0x02);
            assertThat(out.toString()).contains(dev.meerkat.chip.Hex.format(chip.serialNumber()));
        }
        String info =
                run(
                        new StringWriter(),
                        new StringWriter(),
                        "chip",
                        "info",
                        "--chip",
                        "kit:tcp:127.0.0.1:" + p);
        assertThat(info).contains("data zone:   unlocked");
    }
}
