package dev.meerkat.architecture;

import dev.meerkat.architecture.Module.Side;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** The module table: the one place where the arrows of docs/architecture.md are written as data. */
final class Modules {

    static final List<Module> ALL =
            List.of(
                    new Module(
                            "image-format",
                            Side.DEVICE,
                            List.of("dev.meerkat.image", "dev.meerkat.fwzip"),
                            Set.of()),
                    new Module("hal", Side.DEVICE, List.of("dev.meerkat.hal"), Set.of()),
                    // The audit log's hash chain: both services write it, the CLI verifies it.
                    new Module("audit-chain", Side.HOST, List.of("dev.meerkat.audit"), Set.of()),
                    new Module(
                            "bootloader",
                            Side.DEVICE,
                            List.of("dev.meerkat.boot"),
                            Set.of("hal", "image-format")),
                    new Module(
                            "crypto-chip-driver",
                            Side.DEVICE,
                            List.of("dev.meerkat.chip"),
                            Set.of("hal")),
                    new Module(
                            "firmware",
                            Side.DEVICE,
                            List.of("dev.meerkat.firmware"),
                            Set.of(
                                    "bootloader",
                                    "hal",
                                    "image-format",
                                    "crypto-chip-driver",
                                    "cloud-connectors")),
                    new Module(
                            "cloud-connectors",
                            Side.HOST,
                            List.of("dev.meerkat.cloud"),
                            Set.of("image-format")),
                    new Module(
                            "fleet-sim",
                            Side.HOST,
                            List.of("dev.meerkat.fleetsim"),
                            Set.of(
                                    "image-format",
                                    "hal",
                                    "bootloader",
                                    "crypto-chip-driver",
                                    "firmware")),
                    new Module(
                            "ota-packager",
                            Side.HOST,
                            List.of("dev.meerkat.cli"),
                            Set.of(
                                    "image-format",
                                    "hal",
                                    "bootloader",
                                    "crypto-chip-driver",
                                    "firmware",
                                    "fleet-sim",
                                    "cloud-connectors",
                                    "audit-chain")),
                    new Module(
                            "signing-service",
                            Side.SERVICE,
                            List.of("dev.meerkat.signing"),
                            Set.of("image-format", "audit-chain")),
                    new Module(
                            "fleet-service",
                            Side.SERVICE,
                            List.of("dev.meerkat.fleet"),
                            Set.of("image-format", "cloud-connectors", "audit-chain")),
                    // End-to-end scenarios: only test classes, and they use no module's code at
                    // all;
                    // they run the CLI and the services as processes and talk to them over the
                    // wire.
                    new Module(
                            "tests",
                            Side.HOST,
                            List.of("dev.meerkat.e2e"),
                            Set.of(),
                            "target/test-classes"));

    private Modules() {}

    static Path root() {
        String root = System.getProperty("meerkat.root");
        if (root == null) {
            throw new IllegalStateException(
                    "system property meerkat.root is not set (run through Maven)");
        }
        return Path.of(root);
    }

    static Module named(String name) {
        return ALL.stream().filter(m -> m.name().equals(name)).findFirst().orElseThrow();
    }
}
