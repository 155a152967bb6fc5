package dev.meerkat.cli.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.cli.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code meerkat device run}: RPC credentials shown once, set from a file. */
class DeviceCommandTest {

    @TempDir Path tmp;

    private static String ha1(String password) throws Exception {
        return HexFormat.of()
                .formatHex(
                        MessageDigest.getInstance("MD5")
                                .digest(
                                        ("admin:meerkat:" + password)
                                                .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aNewDeviceShowsItsPasswordOnceAndAnotherCanBeSetFromAFile() throws Exception {
        Path dir = tmp.resolve("dev");
        Path auth = dir.resolve("fs").resolve("rpc_auth.txt");
        Cli.Run first =
                Cli.run("device", "run", "--dir", dir.toString(), "--http-port", "0", "--for", "1");
        assertThat(first.exitCode()).as(first.err()).isZero();
        Matcher m =
                Pattern.compile("created RPC user admin \\(realm meerkat\\) with password (\\S+)")
                        .matcher(first.out());
        assertThat(m.find()).as(first.out()).isTrue();
        assertThat(Files.readString(auth)).contains(ha1(m.group(1))).doesNotContain(m.group(1));
        assertThat(first.out()).contains("(HTTP Digest, user admin)");

        Path pw = Files.writeString(tmp.resolve("pw"), "a-better-password\n");
        Cli.Run set =
                Cli.run(
                        "device",
                        "run",
                        "--dir",
                        dir.toString(),
                        "--http-port",
                        "0",
                        "--for",
                        "1",
                        "--rpc-password-file",
                        pw.toString());
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(set.out())
                .contains("RPC password of user admin set from")
                .doesNotContain("created RPC user")
                .doesNotContain("a-better-password");
        assertThat(Files.readString(auth))
                .contains(ha1("a-better-password"))
                .doesNotContain(ha1(m.group(1)));

        Files.writeString(pw, "short\n");
        Cli.Run refused =
                Cli.run(
                        "device",
                        "run",
                        "--dir",
                        dir.toString(),
                        "--for",
                        "1",
                        "--rpc-password-file",
                        pw.toString());
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.err())
                .contains("--rpc-password-file: password must have at least 8 characters");
        assertThat(Files.readString(auth)).contains(ha1("a-better-password"));
    }
}
