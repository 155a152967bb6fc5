package dev.meerkat.firmware;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.rpc.RpcCredentials;
import java.net.Authenticator;
import java.net.HttpURLConnection;
import java.net.PasswordAuthentication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authenticated RPC on the device's HTTP port: Digest, ACL, privileged calls, first credentials.
 */
class RpcAuthTest {

    private static final String VIEWER_PASSWORD = "viewer-password";

    private static Board.Builder httpBoard(String id, Fixture.Events ev, String acl) {
        ObjectNode conf = Json.object();
        conf.putObject("http").put("enable", true);
        Board.Builder bb =
                Fixture.board(id, ev)
                        .factoryConfig(conf)
                        .factoryFile(
                                "rpc_auth.txt",
                                RpcCredentials.htdigestLine(
                                                "admin", "meerkat", Fixture.PASSWORD.toCharArray())
                                        + RpcCredentials.htdigestLine(
                                                "viewer",
                                                "meerkat",
                                                VIEWER_PASSWORD.toCharArray()));
        if (acl != null) {
            conf.putObject("rpc").put("acl_file", "rpc_acl.json");
            bb.factoryConfig(conf).factoryFile("rpc_acl.json", acl);
        }
        return bb;
    }

    private static HttpResponse<String> anonymous(HttpClient http, String url, String body)
            throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(url))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Process curl(String... args) throws Exception {
        List<String> cmd =
                new java.util.ArrayList<>(List.of("curl", "-s", "-o", "-", "-w", "\n%{http_code}"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static String[] curlResult(String... args) throws Exception {
        Process p = curl(args);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        int nl = out.lastIndexOf('\n');
        return new String[] {out.substring(nl + 1).strip(), out.substring(0, Math.max(0, nl))};
    }

    @Test
    void digestAuthenticationOverHttpWithCurlAndTheJdkClient() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        try (Board b = httpBoard("dev-auth", ev, null).build()) {
            b.start();
            assertThat(b.await(Board::isUp, Fixture.WAIT)).as(ev.log.toString()).isTrue();
            String base = "http://127.0.0.1:" + b.httpPort() + "/rpc/";
            HttpClient http = HttpClient.newHttpClient();

            // anonymous: 401 with a Digest challenge, nothing done
            HttpResponse<String> r =
                    anonymous(
                            http,
                            base + "Config.Set",
                            "{\"config\":{\"http\":{\"listen_addr\":\"127.0.0.1:1\"}},\"save\":true}");
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate").orElseThrow())
                    .startsWith("Digest realm=\"meerkat\"")
                    .contains("qop=\"auth\"")
                    .contains("nonce=");
            assertThat(b.rpc("Config.Get", Fixture.args("{\"key\":\"http.listen_addr\"}")).asText())
                    .isEqualTo("127.0.0.1:0");
            assertThat(anonymous(http, base + "Sys.GetInfo", "").statusCode()).isEqualTo(401);
            assertThat(anonymous(http, base + "No.Such", "").statusCode())
                    .as("no probing for methods")
                    .isEqualTo(401);

            // curl, an independent Digest client
            String[] ok =
                    curlResult(
                            "--digest",
                            "-u",
                            "admin:" + Fixture.PASSWORD,
                            "-X",
                            "POST",
                            base + "Sys.GetInfo");
            assertThat(ok[0]).isEqualTo("200");
            assertThat(Json.parse(ok[1]).get("id").asText()).isEqualTo("dev-auth");
            assertThat(
                            curlResult(
                                    "--digest",
                                    "-u",
                                    "admin:wrong-password",
                                    "-X",
                                    "POST",
                                    base + "Sys.GetInfo")[0])
                    .isEqualTo("401");
            assertThat(
                            curlResult(
                                    "--digest",
                                    "-u",
                                    "nobody:" + Fixture.PASSWORD,
                                    "-X",
                                    "POST",
                                    base + "Sys.GetInfo")[0])
                    .isEqualTo("401");
            // authenticated but not allowed by the (default, admin-only) ACL: 403
            assertThat(
                            curlResult(
                                    "--digest",
                                    "-u",
                                    "viewer:" + VIEWER_PASSWORD,
                                    "-X",
                                    "POST",
                                    base + "Sys.GetInfo")[0])
                    .isEqualTo("403");

            // HttpURLConnection's own Digest support
            HttpURLConnection c =
                    (HttpURLConnection) URI.create(base + "Config.Get").toURL().openConnection();
            c.setAuthenticator(
                    new Authenticator() {
                        @Override
                        protected PasswordAuthentication getPasswordAuthentication() {
                            return new PasswordAuthentication(
                                    "admin", Fixture.PASSWORD.toCharArray());
                        }
                    });
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.getOutputStream().write("{\"key\":\"device.id\"}".getBytes(StandardCharsets.UTF_8));
            assertThat(c.getResponseCode()).isEqualTo(200);
            assertThat(new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                    .contains("dev-auth");

            // a captured Authorization header cannot be replayed
            DigestClient admin = new DigestClient("admin", Fixture.PASSWORD);
            String header =
                    admin.authorization(
                            DigestClient.challenge(http, b.httpPort()), "POST", "/rpc/Sys.GetInfo");
            HttpRequest signed =
                    HttpRequest.newBuilder(URI.create(base + "Sys.GetInfo"))
                            .header("Authorization", header)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build();
            assertThat(http.send(signed, HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(200);
            HttpResponse<String> replay = http.send(signed, HttpResponse.BodyHandlers.ofString());
            assertThat(replay.statusCode()).isEqualTo(401);
            assertThat(replay.body()).contains("replayed");
            // ... nor used for another method than the one it was made for
            HttpRequest moved =
                    HttpRequest.newBuilder(URI.create(base + "Sys.Reboot"))
                            .header(
                                    "Authorization",
                                    admin.authorization(
                                            DigestClient.challenge(http, b.httpPort()),
                                            "POST",
                                            "/rpc/Sys.GetInfo"))
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build();
            assertThat(http.send(moved, HttpResponse.BodyHandlers.ofString()).statusCode())
                    .isEqualTo(401);

            // the credentials file is not readable, even by admin
            r = admin.post(http, base + "FS.Get", "{\"filename\":\"rpc_auth.txt\"}");
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(r.body())
                    .doesNotContain(DigestClient.md5("admin:meerkat:" + Fixture.PASSWORD));
            assertThat(b.isUp()).isTrue();
        }
    }

    @Test
    void aclDecidesPerMethodAndPrivilegedCallsNeedAUserWhateverTheAclSays() throws Exception {
        String acl =
                "[{\"method\":\"Sys.GetInfo\",\"acl\":\"*\"},"
                        + "{\"method\":\"Config.*\",\"acl\":\"*\"},"
                        + "{\"method\":\"FS.*\",\"acl\":\"*\"},"
                        + "{\"method\":\"Sys.Reboot\",\"acl\":\"-viewer,?*\"},"
                        + "{\"method\":\"*\",\"acl\":\"+admin\"}]";
        Fixture.Events ev = new Fixture.Events();
        try (Board b = httpBoard("dev-acl", ev, acl).build()) {
            b.start();
            assertThat(b.await(Board::isUp, Fixture.WAIT)).as(ev.log.toString()).isTrue();
            String base = "http://127.0.0.1:" + b.httpPort() + "/rpc/";
            HttpClient http = HttpClient.newHttpClient();
            DigestClient admin = new DigestClient("admin", Fixture.PASSWORD);
            DigestClient viewer = new DigestClient("viewer", VIEWER_PASSWORD);

            assertThat(anonymous(http, base + "Sys.GetInfo", "").statusCode()).isEqualTo(200);
            assertThat(anonymous(http, base + "OTA.Status", "").statusCode()).isEqualTo(401);
            assertThat(viewer.post(http, base + "OTA.Status", "").statusCode()).isEqualTo(403);
            assertThat(admin.post(http, base + "OTA.Status", "").statusCode()).isEqualTo(200);

            // the ACL opens Config.Set and FS.Put to everyone, but not the calls that take over the
            // device
            assertThat(
                            anonymous(
                                            http,
                                            base + "Config.Set",
                                            "{\"config\":{\"app\":{\"interval_ms\":300}}}")
                                    .statusCode())
                    .isEqualTo(200);
            for (String[] call :
                    new String[][] {
                        {
                            "Config.Set",
                            "{\"config\":{\"device\":{\"id\":\"stolen\"}},\"save\":true}"
                        },
                        {
                            "Config.Set",
                            "{\"config\":{\"ota\":{\"allow_downgrade\":true}},\"save\":true}"
                        },
                        {
                            "Config.Set",
                            "{\"config\":{\"http\":{\"listen_addr\":\"0.0.0.0:8080\"}},\"save\":true}"
                        },
                        {"Config.Set", "{\"config\":{\"rpc\":{\"acl_file\":\"\"}},\"save\":true}"},
                        {
                            "Config.Set",
                            "{\"config\":{\"app\":{\"interval_ms\":5}},\"level\":1,\"save\":true}"
                        },
                        {
                            "FS.Put",
                            "{\"filename\":\"conf9.json\",\"data\":\""
                                    + b64("{\"ota\":{\"allow_downgrade\":true}}")
                                    + "\"}"
                        },
                        {
                            "FS.Put",
                            "{\"filename\":\"rpc_acl.json\",\"data\":\""
                                    + b64("[{\"method\":\"*\",\"acl\":\"*\"}]")
                                    + "\"}"
                        },
                        {"FS.Put", "{\"filename\":\"rpc_auth.txt\",\"data\":\"\"}"},
                        {"FS.Remove", "{\"filename\":\"conf1.json\"}"},
                        {"Sys.Reboot", "{}"}
                    }) {
                HttpResponse<String> r = anonymous(http, base + call[0], call[1]);
                assertThat(r.statusCode()).as(call[0] + " " + call[1]).isEqualTo(401);
                assertThat(r.body()).contains("authentication required");
            }
            assertThat(b.rpc("Config.Get", Fixture.args("{\"key\":\"\"}")).toString())
                    .doesNotContain("stolen")
                    .doesNotContain("0.0.0.0")
                    .contains("\"allow_downgrade\":false");
            int aclLength = b.onDevice(fw -> fw.files().read("rpc_acl.json").orElseThrow().length);
            assertThat(aclLength).isEqualTo(acl.length());
            boolean userLevel = b.onDevice(fw -> fw.files().read("conf9.json").isPresent());
            assertThat(userLevel).isFalse();
            // a user allowed by the ACL may; a user the ACL denies gets 403
            assertThat(viewer.post(http, base + "Sys.Reboot", "{\"delay_ms\":100000}").statusCode())
                    .isEqualTo(403);
            assertThat(
                            admin.post(
                                            http,
                                            base + "Config.Set",
                                            "{\"config\":{\"ota\":{\"allow_downgrade\":true}}}")
                                    .statusCode())
                    .isEqualTo(200);
            assertThat(
                            b.rpc("Config.Get", Fixture.args("{\"key\":\"ota.allow_downgrade\"}"))
                                    .asBoolean())
                    .isTrue();
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void webSocketAuthenticatesAtTheUpgradeOrPerFrame() throws Exception {
        Fixture.Events ev = new Fixture.Events();
        try (Board b = httpBoard("dev-wsauth", ev, null).build()) {
            b.start();
            assertThat(b.await(Board::isUp, Fixture.WAIT)).as(ev.log.toString()).isTrue();
            HttpClient http = HttpClient.newHttpClient();
            URI ws = URI.create("ws://127.0.0.1:" + b.httpPort() + "/rpc");

            // wrong credentials at the upgrade: refused with 401
            DigestClient wrong = new DigestClient("admin", "not-the-password");
            Throwable refused = null;
            try {
                http.newWebSocketBuilder()
                        .header(
                                "Authorization",
                                wrong.authorization(
                                        DigestClient.challenge(http, b.httpPort()), "GET", "/rpc"))
                        .buildAsync(ws, new WebSocketRpcTest.Client())
                        .join();
            } catch (CompletionException e) {
                refused = e.getCause();
            }
            assertThat(refused)
                    .as("upgrade refused")
                    .isInstanceOf(java.net.http.WebSocketHandshakeException.class);
            assertThat(
                            ((java.net.http.WebSocketHandshakeException) refused)
                                    .getResponse()
                                    .statusCode())
                    .isEqualTo(401);

            // anonymous connection: a state-changing frame gets an mg_rpc 401 frame with the
            // challenge,
            // which the frame's own auth object then answers
            WebSocketRpcTest.Client c = new WebSocketRpcTest.Client();
            WebSocket s = http.newWebSocketBuilder().buildAsync(ws, c).get(30, TimeUnit.SECONDS);
            s.sendText(
                            "{\"id\":1,\"src\":\"ws\",\"method\":\"Config.Set\",\"args\":{\"config\":{\"app\":"
                                    + "{\"interval_ms\":400}}}}",
                            true)
                    .get(10, TimeUnit.SECONDS);
            JsonNode r = c.next();
            assertThat(r.get("error").get("code").asInt()).isEqualTo(401);
            JsonNode challenge = Json.parse(r.get("error").get("message").asText());
            assertThat(challenge.get("auth_type").asText()).isEqualTo("digest");
            assertThat(challenge.get("realm").asText()).isEqualTo("meerkat");
            ObjectNode frame =
                    (ObjectNode)
                            Json.parse(
                                    "{\"id\":2,\"src\":\"ws\",\"method\":\"Config.Set\","
                                            + "\"args\":{\"config\":{\"app\":{\"interval_ms\":400}}}}");
            frame.set(
                    "auth",
                    new DigestClient("admin", Fixture.PASSWORD)
                            .frameAuth(
                                    challenge.get("realm").asText(),
                                    challenge.get("nonce").asText()));
            s.sendText(Json.write(frame), true).get(10, TimeUnit.SECONDS);
            r = c.next();
            assertThat(r.has("result")).as(r.toString()).isTrue();
            assertThat(b.rpc("Config.Get", Fixture.args("{\"key\":\"app.interval_ms\"}")).asInt())
                    .isEqualTo(400);
            // the same frame credentials again: a replay
            frame.put("id", 3);
            s.sendText(Json.write(frame), true).get(10, TimeUnit.SECONDS);
            assertThat(c.next().get("error").get("code").asInt()).isEqualTo(401);
            s.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aNewDeviceCreatesCredentialsShownOnceAndKeepsOnlyTheirDigest(@TempDir Path dir)
            throws Exception {
        ObjectNode conf = Json.object();
        conf.putObject("http").put("enable", true);
        Fixture.Events ev = new Fixture.Events();
        String password;
        try (Board b =
                Board.builder("dev-new")
                        .rootOfTrust(Fixture.rot())
                        .factoryImage(Fixture.image("v1"))
                        .factoryConfig(conf)
                        .directory(dir)
                        .listener(ev)
                        .tickMillis(5)
                        .build()) {
            b.start();
            assertThat(b.await(Board::isUp, Fixture.WAIT)).as(ev.log.toString()).isTrue();
            Matcher m =
                    Pattern.compile(
                                    "created RPC user admin \\(realm meerkat\\) with password (\\S+)")
                            .matcher(String.join("\n", ev.log));
            assertThat(m.find()).as(ev.log.toString()).isTrue();
            password = m.group(1);
            assertThat(password).hasSize(20);
            String base = "http://127.0.0.1:" + b.httpPort() + "/rpc/";
            assertThat(
                            curlResult(
                                    "--digest",
                                    "-u",
                                    "admin:" + password,
                                    "-X",
                                    "POST",
                                    base + "Sys.GetInfo")[0])
                    .isEqualTo("200");
            assertThat(curlResult("-X", "POST", base + "Sys.GetInfo")[0]).isEqualTo("401");
        }
        Path file = dir.resolve("fs").resolve("rpc_auth.txt");
        assertThat(Files.readString(file)).doesNotContain(password).startsWith("admin:meerkat:");
        assertThat(Files.getPosixFilePermissions(file))
                .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        // shown once: the next boot keeps the credentials and says nothing
        Fixture.Events again = new Fixture.Events();
        try (Board b =
                Board.builder("dev-new")
                        .rootOfTrust(Fixture.rot())
                        .factoryImage(Fixture.image("v1"))
                        .factoryConfig(conf)
                        .directory(dir)
                        .listener(again)
                        .tickMillis(5)
                        .build()) {
            b.start();
            assertThat(b.await(Board::isUp, Fixture.WAIT)).as(again.log.toString()).isTrue();
            assertThat(String.join("\n", again.log))
                    .doesNotContain("created RPC user")
                    .doesNotContain(password);
            assertThat(
                            curlResult(
                                    "--digest",
                                    "-u",
                                    "admin:" + password,
                                    "-X",
                                    "POST",
                                    "http://127.0.0.1:" + b.httpPort() + "/rpc/Sys.GetInfo")[0])
                    .isEqualTo("200");
        }
    }

    @Test
    void withTlsClientCertificatesMapToUsers(@TempDir Path dir) throws Exception {
        TestPki pki = new TestPki();
        TestPki.Issued server = pki.issue("dev-tls", true);
        TestPki.Issued adminCert = pki.issue("admin", false);
        TestPki.Issued viewerCert = pki.issue("viewer", false);
        ObjectNode conf = Json.object();
        conf.putObject("http")
                .put("enable", true)
                .put("ssl_cert", "https.crt")
                .put("ssl_key", "https.key")
                .put("ssl_ca_cert", "clients.pem");
        Fixture.Events ev = new Fixture.Events();
        try (Board b =
                httpBoard("dev-tls", ev, null)
                        .factoryConfig(conf)
                        .factoryFile("https.crt", server.certPem())
                        .factoryFile("https.key", server.keyPem())
                        .factoryFile("clients.pem", pki.ca.certPem())
                        .build()) {
            b.start();
            assertThat(b.await(Board::isUp, Fixture.WAIT)).as(ev.log.toString()).isTrue();
            assertThat(ev.log).anyMatch(l -> l.startsWith("http: RPC on https://"));
            String base = "https://127.0.0.1:" + b.httpPort() + "/rpc/";
            HttpClient admin = HttpClient.newBuilder().sslContext(pki.clientTls(adminCert)).build();
            HttpResponse<String> r = anonymous(admin, base + "Sys.GetInfo", "");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(Json.parse(r.body()).get("id").asText()).isEqualTo("dev-tls");
            HttpClient viewer =
                    HttpClient.newBuilder().sslContext(pki.clientTls(viewerCert)).build();
            assertThat(anonymous(viewer, base + "Sys.GetInfo", "").statusCode()).isEqualTo(403);
            // the TLS key is as secret as the credentials
            assertThat(
                            anonymous(admin, base + "FS.Get", "{\"filename\":\"https.key\"}")
                                    .statusCode())
                    .isEqualTo(403);

            // curl with a client certificate
            Path ca = Files.writeString(dir.resolve("ca.pem"), pki.ca.certPem());
            Path crt = Files.writeString(dir.resolve("admin.crt"), adminCert.certPem());
            Path key = Files.writeString(dir.resolve("admin.key"), adminCert.keyPem());
            String[] ok =
                    curlResult(
                            "--cacert",
                            ca.toString(),
                            "--cert",
                            crt.toString(),
                            "--key",
                            key.toString(),
                            "-X",
                            "POST",
                            base + "Sys.GetInfo");
            assertThat(ok[0]).as(ok[1]).isEqualTo("200");
            // without a client certificate there is no connection at all
            assertThat(curlResult("--cacert", ca.toString(), "-X", "POST", base + "Sys.GetInfo")[0])
                    .isEqualTo("000");
        }
    }
}
