package dev.meerkat.cli.remote;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.cli.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServeTokenTest {

    @TempDir Path tmp;

    @Test
    void saysWhichDataDirectorysKeySignedTheToken() throws Exception {
        Path dir = tmp.resolve("service");
        Cli.Run r =
                Cli.run(
                        "serve",
                        "token",
                        "--data-dir",
                        dir.toString(),
                        "--subject",
                        "ci",
                        "--role",
                        "ci-pipeline");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err())
                .contains("signed with the key of data directory " + dir)
                .contains("another --data-dir rejects it");
        String[] jwt = r.out().strip().split("\\.");
        assertThat(jwt).hasSize(3);
        String claims = new String(Base64.getUrlDecoder().decode(jwt[1]), StandardCharsets.UTF_8);
        assertThat(claims).contains("\"sub\":\"ci\"").contains("ci-pipeline");
        // The key is the data directory's: a second token comes from the same key file.
        String key = Files.readString(dir.resolve("jwt-private.pem"));
        assertThat(
                        Cli.run(
                                        "serve",
                                        "token",
                                        "--data-dir",
                                        dir.toString(),
                                        "--subject",
                                        "b",
                                        "--role",
                                        "auditor")
                                .exitCode())
                .isZero();
        assertThat(Files.readString(dir.resolve("jwt-private.pem"))).isEqualTo(key);
    }
}
