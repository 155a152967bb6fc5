package dev.meerkat.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A fresh SoftHSM2 token in the test's directory; the signing service finds it by SOFTHSM2_CONF.
 */
record SoftHsm(Path conf, String pin) {
    static final String LIBRARY = "/usr/lib/softhsm/libsofthsm2.so";

    static SoftHsm init(Path work) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(work.resolve("softhsm"));
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        Path conf = dir.resolve("softhsm2.conf");
        Files.writeString(
                conf,
                "directories.tokendir = "
                        + tokens
                        + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n");
        String pin = "e2e-" + Long.toHexString(System.nanoTime());
        Commands.run(
                List.of(
                        "softhsm2-util",
                        "--init-token",
                        "--free",
                        "--label",
                        "meerkat-e2e",
                        "--pin",
                        pin,
                        "--so-pin",
                        pin),
                Map.of("SOFTHSM2_CONF", conf.toString()),
                null);
        return new SoftHsm(conf, pin);
    }
}
