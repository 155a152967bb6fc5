package dev.meerkat.cli.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.firmware.Board;
import dev.meerkat.firmware.BoardListener;
import dev.meerkat.firmware.DeviceProfile;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.rpc.RpcCredentials;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meerkat device}: one emulated device. */
@Command(name = "device", mixinStandardHelpOptions = true, description = "Run one emulated device.",
        subcommands = DeviceCommand.RunCommand.class)
public final class DeviceCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code device run}. */
    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Run an emulated device kept in a directory (flash, counters, files survive restarts),",
                    "with its RPC reachable at http://127.0.0.1:PORT/rpc/<Method>. A new directory gets a fresh",
                    "signing key (release.pem, trusted by the device) and the example v1 as factory firmware.",
                    "RPC calls need HTTP Digest credentials (user admin): a new device prints its generated",
                    "password once; --rpc-password-file sets another. Stop with Ctrl-C."})
    static final class RunCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dir", required = true, description = "Directory of the device.")
        Path dir;

        @Option(names = "--id", defaultValue = "meerkat-dev", description = "Device id (default ${DEFAULT-VALUE}).")
        String id;

        @Option(names = "--http-port", defaultValue = "8910", description = "RPC port on 127.0.0.1 (default ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--broker", description = "MQTT server, tcp://host:port.")
        String broker;

        @Option(names = "--for", description = "Stop after this many seconds (default: until Ctrl-C).")
        Long seconds;

        @Option(names = "--rpc-password-file", paramLabel = "FILE",
                description = "Set the RPC password of user admin to the first line of FILE (at least 8 characters).")
        Path rpcPasswordFile;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Files.createDirectories(dir);
            Path keyFile = dir.resolve("release.pem");
            SigningKey key;
            if (Files.exists(keyFile)) {
                key = SigningKey.fromPem(Files.readString(keyFile), null);
            } else {
                key = SigningKey.generate(KeyType.ED25519);
                Files.writeString(keyFile, key.toPem(null));
            }
            char[] rpcPassword = null;
            if (rpcPasswordFile != null) {
                rpcPassword = Files.readAllLines(rpcPasswordFile).stream().findFirst().orElse("").strip().toCharArray();
                try {
                    RpcCredentials.htdigestLine(RpcCredentials.ADMIN, "meerkat", rpcPassword); // checks it before any change
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("--rpc-password-file: " + e.getMessage());
                }
            }
            ObjectNode conf = Json.object();
            conf.putObject("http").put("enable", true).put("listen_addr", "127.0.0.1:" + port);
            if (broker != null) {
                conf.putObject("mqtt").put("enable", true).put("server", broker);
            }
            Board board = Board.builder(id).directory(dir).profile(DeviceProfile.standard())
                    .rootOfTrust(RootOfTrust.of(ProvisionedKey.publicKey(
                            key.verificationKey().publicKey().getEncoded())))
                    .factoryImage(ExampleApps.image("v1", key, null, 0)).factoryConfig(conf)
                    .listener(new BoardListener() {
                        @Override
                        public void log(String deviceId, String line) {
                            out.println(deviceId + ": " + line);
                            out.flush();
                        }
                    }).build();
            CountDownLatch done = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                board.close();
                done.countDown();
            }));
            board.start();
            if (rpcPassword != null && board.await(Board::isUp, Duration.ofSeconds(30))) {
                // through the device's console, as a technician with the board in hand would
                String realm = board.rpc("Config.Get", Json.object().put("key", "rpc.auth_domain")).asText();
                String file = board.rpc("Config.Get", Json.object().put("key", "rpc.auth_file")).asText();
                byte[] line = RpcCredentials.htdigestLine(RpcCredentials.ADMIN, realm, rpcPassword)
                        .getBytes(StandardCharsets.UTF_8);
                board.rpc("FS.Put", Json.object().put("filename", file).put("data",
                        Base64.getEncoder().encodeToString(line)));
                out.println("RPC password of user admin set from " + rpcPasswordFile);
            }
            if (board.await(Board::isUp, Duration.ofSeconds(30))) {
                out.println("device " + id + " running " + board.runningVersion() + "; RPC: http://127.0.0.1:"
                        + board.httpPort() + "/rpc/Sys.GetInfo (HTTP Digest, user admin)");
            } else {
                out.println("device " + id + " did not come up: " + board.state() + " " + board.haltReason());
            }
            out.flush();
            if (seconds != null) {
                Thread.sleep(seconds * 1000);
                board.close();
                return 0;
            }
            done.await();
            return 0;
        }
    }
}
