package dev.meerkat.cli.device;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cli.Cli;
import dev.meerkat.firmware.Board;
import dev.meerkat.firmware.BoardListener;
import dev.meerkat.firmware.TestCa;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.rpc.RpcCredentials;
import dev.meerkat.fleetsim.ImageServer;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * call, config, fs and ota against an emulated device over HTTP (Digest) and WebSocket (frame
 * Digest).
 */
class DeviceCommandsTest {

    private static final String PASSWORD = "cli-test-password";
    private static final SigningKey KEY = SigningKey.generate(KeyType.ED25519);

    @TempDir Path tmp;

    private final List<String> log = new CopyOnWriteArrayList<>();
    private Board board;
    private int port;

    private String http() {
        return "http://127.0.0.1:" + port;
    }

    private String ws() {
        return "ws://127.0.0.1:" + port + "/rpc";
    }

    /** A device on a fixed port (it keeps the port across reboots). */
    private void start() throws Exception {
        start(Json.object(), new String[0][]);
    }

    private void start(ObjectNode http, String[]... files) throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ObjectNode conf = Json.object();
        conf.set(
                "http",
                http.deepCopy().put("enable", true).put("listen_addr", "127.0.0.1:" + port));
        conf.putObject("ota").put("chunk", 4096).put("checkpoint", 8192);
        Board.Builder b = Board.builder("dev-cli");
        for (String[] f : files) {
            b.factoryFile(f[0], f[1]);
        }
        board =
                b.rootOfTrust(
                                RootOfTrust.of(
                                        ProvisionedKey.publicKey(
                                                KEY.verificationKey().publicKey().getEncoded())))
                        .factoryImage(ExampleApps.image("v1", KEY, null, 0))
                        .factoryConfig(conf)
                        .factoryFile(
                                "rpc_auth.txt",
                                RpcCredentials.htdigestLine(
                                        "admin", "meerkat", PASSWORD.toCharArray()))
                        .listener(
                                new BoardListener() {
                                    @Override
                                    public void log(String deviceId, String line) {
                                        log.add(line);
                                    }
                                })
                        .tickMillis(5)
                        .build();
        board.start();
        assertThat(board.await(Board::isUp, Duration.ofSeconds(60))).as(log.toString()).isTrue();
    }

    @AfterEach
    void stop() {
        if (board != null) {
            board.close();
        }
    }

    @Test
    void callConfigAndFilesOverHttpAndWebSocket() throws Exception {
        start();
        Path pw = Files.writeString(tmp.resolve("pw"), PASSWORD + "\n");

        Cli.Run info = Cli.run("call", "Sys.GetInfo", "--port", http(), "--password", PASSWORD);
        assertThat(info.exitCode()).as(info.err()).isZero();
        assertThat(Json.parse(info.out()).path("fw_version").asText()).isEqualTo("1.0.0");
        Cli.Run oneLine =
                Cli.run(
                        "call",
                        "Config.Get",
                        "{\"key\":\"http\"}",
                        "--port",
                        ws(),
                        "--password-file",
                        pw.toString(),
                        "--json");
        assertThat(oneLine.exitCode()).as(oneLine.err()).isZero();
        assertThat(oneLine.out().strip()).doesNotContain("\n");
        assertThat(Json.parse(oneLine.out()).path("result").path("enable").asBoolean()).isTrue();

        // refusals: wrong password, none, and no device at all
        for (String p : new String[] {http(), ws()}) {
            Cli.Run wrong =
                    Cli.run("call", "Sys.GetInfo", "--port", p, "--password", "not-the-password");
            assertThat(wrong.exitCode()).as(p).isEqualTo(1);
            assertThat(wrong.err().strip())
                    .as(p)
                    .isEqualTo(
                            "meerkat call: device refused the credentials of user admin (wrong user or password)");
            Cli.Run anonymous = Cli.run("call", "Sys.Reboot", "--port", p);
            assertThat(anonymous.exitCode()).isEqualTo(1);
            assertThat(anonymous.err())
                    .contains("Sys.Reboot needs authentication")
                    .contains("--password-file");
        }
        assertThat(board.bootStatus().running().name()).isEqualTo("A");
        Cli.Run usage = Cli.run("call", "Sys.GetInfo");
        assertThat(usage.exitCode()).isEqualTo(2);
        assertThat(usage.err()).contains("--port is required");
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Cli.Run gone =
                Cli.run(
                        "call",
                        "Sys.GetInfo",
                        "--port",
                        "http://127.0.0.1:" + closed,
                        "--password",
                        PASSWORD);
        assertThat(gone.exitCode()).isEqualTo(3);
        assertThat(gone.err()).startsWith("meerkat call: cannot reach http://127.0.0.1:" + closed);

        // config over WebSocket: typed values, saved without a reboot
        Cli.Run get =
                Cli.run(
                        "config",
                        "get",
                        "app.interval_ms",
                        "--port",
                        ws(),
                        "--password-file",
                        pw.toString());
        assertThat(get.out().strip()).as(get.err()).isEqualTo("1000");
        Cli.Run set =
                Cli.run(
                        "config",
                        "set",
                        "app.interval_ms=250",
                        "--no-reboot",
                        "--json",
                        "--port",
                        ws(),
                        "--password-file",
                        pw.toString());
        assertThat(set.exitCode()).as(set.err()).isZero();
        assertThat(Json.parse(set.out()).path("set").path("app.interval_ms").asInt())
                .isEqualTo(250);
        assertThat(Json.parse(set.out()).path("saved").asBoolean()).isTrue();
        assertThat(board.rpc("Config.Get", Json.object().put("key", "app.interval_ms")).asInt())
                .isEqualTo(250);
        Cli.Run badType =
                Cli.run(
                        "config",
                        "set",
                        "app.interval_ms=often",
                        "--port",
                        ws(),
                        "--password-file",
                        pw.toString());
        assertThat(badType.exitCode()).isEqualTo(2);
        assertThat(badType.err()).contains("app.interval_ms takes a number, not 'often'");
        Cli.Run invalid =
                Cli.run(
                        "config",
                        "set",
                        "mqtt.keep_alive=-5",
                        "--port",
                        http(),
                        "--password-file",
                        pw.toString());
        assertThat(invalid.exitCode()).isEqualTo(1);
        assertThat(invalid.err())
                .startsWith("meerkat config set: device answered 400 to Config.Set");

        // files over WebSocket, authenticated with the device's own htdigest line (no clear-text
        // password)
        Path creds =
                Files.writeString(
                        tmp.resolve("rpc_auth.txt"),
                        RpcCredentials.htdigestLine("admin", "meerkat", PASSWORD.toCharArray()));
        byte[] content = new byte[100_000];
        new java.util.Random(7).nextBytes(content);
        Path local = Files.write(tmp.resolve("blob.bin"), content);
        String[] auth = {"--port", ws(), "--credentials", creds.toString()};
        Cli.Run put =
                Cli.run(concat(new String[] {"fs", "put", local.toString(), "blob.bin"}, auth));
        assertThat(put.exitCode()).as(put.err()).isZero();
        assertThat(put.out()).contains("wrote blob.bin (100000 bytes)");
        Cli.Run ls = Cli.run(concat(new String[] {"fs", "ls", "--json"}, auth));
        assertThat(ls.exitCode()).as(ls.err()).isZero();
        assertThat(Json.parse(ls.out()).path("files").toString()).contains("\"blob.bin\"");
        Path back = tmp.resolve("back.bin");
        Cli.Run get2 =
                Cli.run(concat(new String[] {"fs", "get", "blob.bin", back.toString()}, auth));
        assertThat(get2.exitCode()).as(get2.err()).isZero();
        assertThat(Files.readAllBytes(back)).isEqualTo(content);
        Cli.Run secret = Cli.run(concat(new String[] {"fs", "get", "rpc_auth.txt"}, auth));
        assertThat(secret.exitCode()).isEqualTo(1);
        assertThat(secret.err()).contains("device refused FS.Get: rpc_auth.txt holds credentials");
        Cli.Run rm = Cli.run(concat(new String[] {"fs", "rm", "blob.bin"}, auth));
        assertThat(rm.exitCode()).as(rm.err()).isZero();
        Cli.Run rmAgain = Cli.run(concat(new String[] {"fs", "rm", "blob.bin"}, auth));
        assertThat(rmAgain.exitCode()).isEqualTo(1);
        assertThat(rmAgain.err()).contains("device answered 404 to FS.Remove: no file blob.bin");
        Path otherRealm =
                Files.writeString(
                        tmp.resolve("other"),
                        RpcCredentials.htdigestLine("admin", "elsewhere", PASSWORD.toCharArray()));
        Cli.Run realm =
                Cli.run("fs", "ls", "--port", http(), "--credentials", otherRealm.toString());
        assertThat(realm.exitCode()).isEqualTo(1);
        assertThat(realm.err())
                .contains(
                        "the device's realm is meerkat but the htdigest line of admin is for realm elsewhere");
    }

    @Test
    void otaFollowsTheUpdateToCommitAndToRollback() throws Exception {
        start();
        try (ImageServer images = new ImageServer(false)) {
            String good = images.put("v2.bin", ExampleApps.image("v2", KEY, null, 40 * 1024));
            String broken =
                    images.put("v2-broken.bin", ExampleApps.image("v2-broken", KEY, null, 0));
            Cli.Run commit =
                    Cli.run("ota", good, "--port", http(), "--password", PASSWORD, "--wait", "120");
            assertThat(commit.exitCode()).as(commit.err() + log).isZero();
            assertThat(commit.out().strip()).isEqualTo("committed 2.0.0; running 2.0.0");
            assertThat(commit.err())
                    .contains(
                            "ota: http://127.0.0.1:"
                                    + port
                                    + "/rpc running 1.0.0 downloads "
                                    + good);
            assertThat(board.runningVersion()).isEqualTo("2.0.0");

            Cli.Run rollback =
                    Cli.run(
                            "ota",
                            broken,
                            "--port",
                            ws(),
                            "--password",
                            PASSWORD,
                            "--wait",
                            "120",
                            "--json");
            assertThat(rollback.exitCode()).as(rollback.err() + log).isEqualTo(1);
            JsonNode r = Json.parse(rollback.out());
            assertThat(r.path("outcome").asText()).isEqualTo("rolled_back");
            assertThat(r.path("version").asText()).isEqualTo("2.0.1");
            assertThat(r.path("running").asText()).isEqualTo("2.0.0");
            assertThat(board.await(Board::isUp, Duration.ofSeconds(60))).isTrue();
            assertThat(board.runningVersion()).isEqualTo("2.0.0");

            Cli.Run refused =
                    Cli.run("ota", good, "--port", http(), "--password", "wrong-password");
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.err()).contains("device refused the credentials of user admin");
        }
    }

    @Test
    void everyDeviceCommandAnswersHelp() {
        for (String[] c :
                new String[][] {
                    {"call"},
                    {"config"},
                    {"config", "get"},
                    {"config", "set"},
                    {"fs"},
                    {"fs", "ls"},
                    {"fs", "get"},
                    {"fs", "put"},
                    {"fs", "rm"},
                    {"ota"},
                    {"console"},
                    {"device", "run"}
                }) {
            Cli.Run help = Cli.run(concat(c, new String[] {"--help"}));
            assertThat(help.exitCode()).as(String.join(" ", c)).isZero();
            assertThat(help.out())
                    .as(String.join(" ", c))
                    .contains("Usage: meerkat " + String.join(" ", c));
        }
        Cli.Run badPort = Cli.run("fs", "ls", "--port", "mqtt://127.0.0.1:1883");
        assertThat(badPort.exitCode()).isEqualTo(2);
        assertThat(badPort.err())
                .contains("give the device id as the path, mqtt://BROKER:PORT/DEVICE-ID");
        Cli.Run twoSecrets =
                Cli.run(
                        "fs",
                        "ls",
                        "--port",
                        "http://127.0.0.1:1",
                        "--password",
                        "a-password",
                        "--password-file",
                        "pw");
        assertThat(twoSecrets.exitCode()).isEqualTo(2);
        assertThat(twoSecrets.err())
                .contains("give only one of --password, --password-file and --credentials");
    }

    @Test
    void deviceRunSaysWhenBrokerOptionsCannotApply() throws Exception {
        Path dir = tmp.resolve("dev");
        Cli.Run first =
                Cli.run("device", "run", "--dir", dir.toString(), "--http-port", "0", "--for", "0");
        assertThat(first.exitCode()).as(first.err()).isZero();
        Cli.Run again =
                Cli.run(
                        "device",
                        "run",
                        "--dir",
                        dir.toString(),
                        "--http-port",
                        "0",
                        "--for",
                        "0",
                        "--broker",
                        "tcp://127.0.0.1:1",
                        "--mqtt-source",
                        "ops=admin");
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out())
                .contains("note: --broker, --broker-ca and --mqtt-source apply to a new directory");
        Cli.Run tlsWithoutCert =
                Cli.run(
                        "device",
                        "run",
                        "--dir",
                        tmp.resolve("dev2").toString(),
                        "--for",
                        "0",
                        "--broker",
                        "mqtts://127.0.0.1:8883");
        assertThat(tlsWithoutCert.exitCode()).isEqualTo(2);
        assertThat(tlsWithoutCert.err()).contains("an ssl:// broker needs the device certificate");
        assertThat(tmp.resolve("dev2")).doesNotExist();
        Cli.Run noDir =
                Cli.run(
                        "device",
                        "run",
                        "--dir",
                        tmp.resolve("dev3").toString(),
                        "--for",
                        "0",
                        "--chip",
                        tmp.resolve("missing").resolve("c.chip").toString());
        assertThat(noDir.exitCode()).isEqualTo(2);
        assertThat(noDir.err()).contains("does not exist");
    }

    @Test
    void httpsAndWssWithClientCertificatesOrDigest() throws Exception {
        TestCa pki = new TestCa();
        String[] server = pki.issue("dev-cli", true);
        start(
                Json.object()
                        .put("ssl_cert", "https.crt")
                        .put("ssl_key", "https.key")
                        .put("ssl_ca_cert", "clients.pem"),
                new String[] {"https.crt", server[0]},
                new String[] {"https.key", server[1]},
                new String[] {"clients.pem", pki.caPem()});
        Path ca = Files.writeString(tmp.resolve("ca.pem"), pki.caPem());
        Path[] admin = pki.issueClient("admin", tmp);
        Path[] viewer = pki.issueClient("viewer", tmp);
        String https = "https://127.0.0.1:" + port;
        String wss = "wss://127.0.0.1:" + port + "/rpc";

        // the certificate's common name is the RPC user: admin needs no password
        Cli.Run byCert =
                Cli.run(
                        "call",
                        "Sys.GetInfo",
                        "--port",
                        https,
                        "--ca-cert",
                        ca.toString(),
                        "--cert",
                        admin[0].toString(),
                        "--key",
                        admin[1].toString());
        assertThat(byCert.exitCode()).as(byCert.err()).isZero();
        assertThat(Json.parse(byCert.out()).path("id").asText()).isEqualTo("dev-cli");
        Cli.Run notAllowed =
                Cli.run(
                        "call",
                        "Sys.Reboot",
                        "--port",
                        wss,
                        "--ca-cert",
                        ca.toString(),
                        "--cert",
                        viewer[0].toString(),
                        "--key",
                        viewer[1].toString());
        assertThat(notAllowed.exitCode()).isEqualTo(1);
        assertThat(notAllowed.err())
                .contains("device refused Sys.Reboot: viewer may not call Sys.Reboot");
        // Digest still decides when presented over the viewer's connection
        Cli.Run digest =
                Cli.run(
                        "config",
                        "get",
                        "device.id",
                        "--port",
                        wss,
                        "--ca-cert",
                        ca.toString(),
                        "--cert",
                        viewer[0].toString(),
                        "--key",
                        viewer[1].toString(),
                        "--password",
                        PASSWORD);
        assertThat(digest.out().strip()).as(digest.err()).isEqualTo("dev-cli");
        // no client certificate: the device's TLS refuses; an untrusted device: ours refuses
        Cli.Run noCert =
                Cli.run(
                        "call",
                        "Sys.GetInfo",
                        "--port",
                        https,
                        "--ca-cert",
                        ca.toString(),
                        "--password",
                        PASSWORD);
        assertThat(noCert.exitCode()).isEqualTo(3);
        assertThat(noCert.err()).startsWith("meerkat call: ");
        Cli.Run untrusted =
                Cli.run(
                        "call",
                        "Sys.GetInfo",
                        "--port",
                        https,
                        "--cert",
                        admin[0].toString(),
                        "--key",
                        admin[1].toString());
        assertThat(untrusted.exitCode()).isEqualTo(3);
        assertThat(untrusted.err())
                .contains("TLS with " + https + "/rpc failed")
                .contains("--ca-cert");
        Cli.Run plain =
                Cli.run(
                        "call",
                        "Sys.GetInfo",
                        "--port",
                        "http://127.0.0.1:" + port,
                        "--ca-cert",
                        ca.toString());
        assertThat(plain.exitCode()).isEqualTo(2);
        assertThat(plain.err())
                .contains("--ca-cert, --cert and --key need https://, wss:// or mqtts://");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
