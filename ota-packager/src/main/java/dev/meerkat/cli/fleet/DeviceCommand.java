package dev.meerkat.cli.fleet;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cli.device.ClientTls;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.firmware.Board;
import dev.meerkat.firmware.BoardListener;
import dev.meerkat.firmware.DeviceProfile;
import dev.meerkat.firmware.crypto.ChipSecureElement;
import dev.meerkat.firmware.crypto.DeviceChip;
import dev.meerkat.firmware.crypto.SecureElement;
import dev.meerkat.firmware.crypto.SoftwareSecureElement;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.rpc.RpcCredentials;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import dev.meerkat.image.VerificationKey;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code meerkat device}: one emulated device. */
@Command(
        name = "device",
        mixinStandardHelpOptions = true,
        description = "Run one emulated device.",
        subcommands = DeviceCommand.RunCommand.class)
public final class DeviceCommand implements Runnable {

    @Spec CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code device run}. */
    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description =
                    "Run an emulated device kept in a directory (flash, counters, files survive restarts), with "
                            + "its RPC reachable at http://127.0.0.1:PORT/rpc/<Method>. A new directory gets a fresh "
                            + "signing key (release.pem, trusted by the device) and the example v1 as factory firmware. "
                            + "RPC calls need HTTP Digest credentials (user admin): a new device prints its generated "
                            + "password once; --rpc-password-file sets another. With --broker the device also answers "
                            + "mg_rpc over MQTT (<id>/rpc, from the --mqtt-source names); an ssl:// broker gets mutual "
                            + "TLS with the device certificate (--cert) and its key in an emulated ATECC608 (--chip) or a "
                            + "file (--key). Broker, sources and CA apply when the directory is new. Stop with Ctrl-C.")
    static final class RunCommand implements Callable<Integer> {
        @Spec CommandSpec spec;

        @Option(names = "--dir", required = true, description = "Directory of the device.")
        Path dir;

        @Option(
                names = "--id",
                defaultValue = "meerkat-dev",
                description = "Device id (default ${DEFAULT-VALUE}).")
        String id;

        @Option(
                names = "--http-port",
                defaultValue = "8910",
                description = "RPC port on 127.0.0.1 (default " + "${DEFAULT-VALUE}).")
        int port;

        @Option(
                names = "--broker",
                paramLabel = "URL",
                description =
                        "MQTT broker: tcp://HOST:PORT or ssl://HOST:PORT (mqtt://, mqtts:// also accepted).")
        String broker;

        @Option(
                names = "--broker-ca",
                paramLabel = "PEM",
                description = "CA certificates the device trusts " + "for an ssl:// broker.")
        Path brokerCa;

        @Option(
                names = "--mqtt-source",
                paramLabel = "NAME=USER",
                split = ",",
                description =
                        "An MQTT control source and the RPC user it acts as (rpc.mqtt_sources); repeatable.")
        java.util.List<String> mqttSources;

        @Option(
                names = "--chip",
                paramLabel = "STATE",
                description = {
                    "Emulated ATECC608 kept in STATE (created and personalised when absent): the device's",
                    "TLS identity key and image decryption key live in it. Without --cert its public key "
                            + "is printed."
                })
        Path chip;

        @Option(
                names = "--cert",
                paramLabel = "PEM",
                description =
                        "Device certificate chain for TLS to the broker (for the --chip key, or for --key).")
        Path cert;

        @Option(
                names = "--key",
                paramLabel = "PEM",
                description = "Private key of --cert when there is no --chip.")
        Path certKey;

        @Option(
                names = "--for",
                description = "Stop after this many seconds (default: until Ctrl-C).")
        Long seconds;

        @Option(
                names = "--trust",
                paramLabel = "PEM",
                description =
                        "Public key the bootloader trusts (with --factory-image), instead of a fresh key "
                                + "in the directory; applies when the directory is new.")
        Path trust;

        @Option(
                names = "--factory-image",
                paramLabel = "FILE",
                description = "Factory firmware image, signed with the --trust key.")
        Path factoryImage;

        @Option(
                names = "--rpc-password-file",
                paramLabel = "FILE",
                description =
                        "Set the RPC password of user admin to the first line of FILE (at least 8 characters).")
        Path rpcPasswordFile;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            char[] rpcPassword = null;
            if (rpcPasswordFile != null) {
                rpcPassword =
                        Files.readAllLines(rpcPasswordFile).stream()
                                .findFirst()
                                .orElse("")
                                .strip()
                                .toCharArray();
                try {
                    RpcCredentials.htdigestLine(
                            RpcCredentials.ADMIN,
                            "meerkat",
                            rpcPassword); // checks it before any change
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("--rpc-password-file: " + e.getMessage());
                }
            }
            ObjectNode conf = Json.object();
            conf.putObject("http").put("enable", true).put("listen_addr", "127.0.0.1:" + port);
            SecureElement secureElement = secureElement(out);
            String brokerUri = null;
            if (broker != null) {
                brokerUri =
                        broker.replaceFirst("^mqtts://", "ssl://")
                                .replaceFirst("^mqtt://", "tcp://");
                if (!brokerUri.matches("(tcp|ssl)://[^/\\s:]+(:\\d{1,5})?")) {
                    throw CliException.usage(
                            "--broker " + broker + ": use tcp://HOST:PORT or ssl://HOST:PORT");
                }
                boolean tls = brokerUri.startsWith("ssl://");
                if (tls && secureElement.certificate().isEmpty()) {
                    throw CliException.usage(
                            "an ssl:// broker needs the device certificate: --cert with "
                                    + "--chip or --key");
                }
                ObjectNode mqtt =
                        conf.putObject("mqtt").put("enable", true).put("server", brokerUri);
                if (brokerCa != null) {
                    if (!tls) {
                        throw CliException.usage("--broker-ca needs an ssl:// broker");
                    }
                    mqtt.put("ssl_ca_cert", "mqtt_ca.pem");
                }
            } else if (brokerCa != null || mqttSources != null) {
                throw CliException.usage("--broker-ca and --mqtt-source need --broker");
            }
            if (mqttSources != null) {
                for (String s : mqttSources) {
                    // NAME is an mg_rpc src such as fleet/<device>, the fleet service's name
                    if (!s.matches("[A-Za-z0-9._/-]{1,64}=[A-Za-z0-9._-]{1,64}")) {
                        throw CliException.usage(
                                "--mqtt-source "
                                        + s
                                        + ": use NAME=USER (letters, digits, "
                                        + "'.', '_', '-'; NAME also '/')");
                    }
                }
                conf.putObject("rpc").put("mqtt_sources", String.join(",", mqttSources));
            }
            if ((trust == null) != (factoryImage == null)) {
                throw CliException.usage("--trust and --factory-image go together");
            }
            byte[] trustedKey;
            byte[] factory;
            if (trust != null) {
                try {
                    trustedKey =
                            VerificationKey.fromPem(Files.readString(trust))
                                    .publicKey()
                                    .getEncoded();
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("--trust " + trust + ": " + e.getMessage());
                }
                factory = Files.readAllBytes(factoryImage);
            } else {
                trustedKey = null;
                factory = null;
            }
            // options checked: from here on the device directory is created or changed
            Files.createDirectories(dir);
            if (trust == null) {
                Path keyFile = dir.resolve("release.pem");
                SigningKey key;
                if (Files.exists(keyFile)) {
                    key = SigningKey.fromPem(Files.readString(keyFile), null);
                } else {
                    key = SigningKey.generate(KeyType.ED25519);
                    Files.writeString(keyFile, key.toPem(null));
                }
                trustedKey = key.verificationKey().publicKey().getEncoded();
                factory = ExampleApps.image("v1", key, null, 0);
            }
            if ((broker != null || brokerCa != null || mqttSources != null)
                    && Files.exists(dir.resolve("fs").resolve("conf1.json"))) {
                // factory settings: an existing device keeps the configuration it has
                out.println(
                        "note: --broker, --broker-ca and --mqtt-source apply to a new directory; "
                                + dir
                                + " keeps its configuration (change it with meerkat config set)");
            }
            Board.Builder builder = Board.builder(id);
            if (brokerCa != null) {
                builder.factoryFile("mqtt_ca.pem", Files.readString(brokerCa));
            }
            Board board =
                    builder.directory(dir)
                            .profile(DeviceProfile.standard())
                            .secureElement(secureElement)
                            .rootOfTrust(RootOfTrust.of(ProvisionedKey.publicKey(trustedKey)))
                            .factoryImage(factory)
                            .factoryConfig(conf)
                            .listener(
                                    new BoardListener() {
                                        @Override
                                        public void log(String deviceId, String line) {
                                            out.println(deviceId + ": " + line);
                                            out.flush();
                                        }
                                    })
                            .build();
            CountDownLatch done = new CountDownLatch(1);
            Runtime.getRuntime()
                    .addShutdownHook(
                            new Thread(
                                    () -> {
                                        board.close();
                                        done.countDown();
                                    }));
            board.start();
            if (rpcPassword != null && awaitUp(board, out)) {
                // through the device's console, as a technician with the board in hand would
                String realm =
                        board.rpc("Config.Get", Json.object().put("key", "rpc.auth_domain"))
                                .asText();
                String file =
                        board.rpc("Config.Get", Json.object().put("key", "rpc.auth_file")).asText();
                byte[] line =
                        RpcCredentials.htdigestLine(RpcCredentials.ADMIN, realm, rpcPassword)
                                .getBytes(StandardCharsets.UTF_8);
                board.rpc(
                        "FS.Put",
                        Json.object()
                                .put("filename", file)
                                .put("data", Base64.getEncoder().encodeToString(line)));
                out.println("RPC password of user admin set from " + rpcPasswordFile);
            }
            if (awaitUp(board, out)) {
                out.println(
                        "device "
                                + id
                                + " running "
                                + board.runningVersion()
                                + "; RPC: http://127.0.0.1:"
                                + board.httpPort()
                                + "/rpc/Sys.GetInfo (HTTP Digest, user admin)");
                if (brokerUri != null) {
                    out.println(
                            "MQTT: "
                                    + brokerUri
                                            .replaceFirst("^ssl://", "mqtts://")
                                            .replaceFirst("^tcp://", "mqtt://")
                                    + "/"
                                    + id
                                    + " (mg_rpc on "
                                    + id
                                    + "/rpc)");
                }
            } else {
                out.println(
                        "device "
                                + id
                                + " did not come up: "
                                + board.state()
                                + " "
                                + board.haltReason());
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

        /**
         * Waits for the firmware's init to finish. A loaded host can take longer than any fixed
         * bound, so a board still booting or initialising is waited for, with a line every 30 s;
         * only a board that left those states (halted, in recovery, off) ends the wait.
         */
        private boolean awaitUp(Board board, PrintWriter out) {
            long waited = 0;
            while (!board.await(Board::isUp, Duration.ofSeconds(30))) {
                Board.State state = board.state();
                if (state != Board.State.BOOTING && state != Board.State.RUNNING) return false;
                waited += 30;
                out.println("device " + id + " not up yet after " + waited + " s (" + state + ")");
                out.flush();
            }
            return true;
        }

        /** The chip or software key the device presents in TLS, or none. */
        private SecureElement secureElement(PrintWriter out) throws Exception {
            java.util.List<X509Certificate> chain = new java.util.ArrayList<>();
            if (cert != null) {
                for (java.security.cert.Certificate c : ClientTls.certificates(cert, "--cert")) {
                    chain.add((X509Certificate) c);
                }
            }
            if (chip != null) {
                if (certKey != null) {
                    throw CliException.usage(
                            "--key and --chip exclude each other: with --chip the key is in the chip");
                }
                Path parent = chip.toAbsolutePath().getParent();
                if (parent != null && !Files.isDirectory(parent)) {
                    throw CliException.usage(
                            "--chip " + chip + ": directory " + parent + " does not exist");
                }
                ChipSecureElement se;
                try {
                    se = new ChipSecureElement(DeviceChip.emulated(chip), chain);
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("--cert " + cert + ": " + e.getMessage());
                }
                if (chain.isEmpty()) {
                    out.println(
                            "chip identity public key (certify it, then give the certificate with --cert):");
                    out.print(
                            "-----BEGIN PUBLIC KEY-----\n"
                                    + Base64.getMimeEncoder(64, new byte[] {'\n'})
                                            .encodeToString(se.identityPublicKey().getEncoded())
                                    + "\n-----END PUBLIC KEY-----\n");
                }
                return se;
            }
            if (cert != null || certKey != null) {
                if (cert == null || certKey == null) {
                    throw CliException.usage(
                            "--cert needs --key (or --chip), and --key needs --cert");
                }
                try {
                    return new SoftwareSecureElement(ClientTls.privateKey(certKey), chain, null);
                } catch (IllegalArgumentException e) {
                    throw CliException.usage("--key " + certKey + ": " + e.getMessage());
                }
            }
            return SoftwareSecureElement.empty();
        }
    }
}
