package dev.meerkat.firmware;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** mg_rpc over a WebSocket on the device's HTTP port, with the JDK's WebSocket client. */
class WebSocketRpcTest {

    /** Collects whole text messages, pongs and the close. */
    static final class Client implements WebSocket.Listener {
        final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
        final BlockingQueue<String> pongs = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(
                        Json.parse(
                                partial.toString()
                                        .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
            byte[] b = new byte[message.remaining()];
            message.get(b);
            pongs.add(new String(b, java.nio.charset.StandardCharsets.UTF_8));
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }

        JsonNode next() throws InterruptedException {
            JsonNode m = messages.poll(30, TimeUnit.SECONDS);
            assertThat(m).as("an answer within 30 s").isNotNull();
            return m;
        }
    }

    @Test
    void rpcFramesOverWebSocketBesideHttp() throws Exception {
        ObjectNode conf = Json.object();
        conf.putObject("http").put("enable", true);
        Fixture.Events ev = new Fixture.Events();
        try (Board b = Fixture.board("dev-ws", ev).factoryConfig(conf).build()) {
            b.start();
            assertThat(b.await(Board::isUp, Fixture.WAIT)).as(ev.log.toString()).isTrue();
            HttpClient http = HttpClient.newHttpClient();
            Client c = new Client();
            DigestClient admin = new DigestClient("admin", Fixture.PASSWORD);
            WebSocket ws =
                    http.newWebSocketBuilder()
                            .header(
                                    "Authorization",
                                    admin.authorization(
                                            DigestClient.challenge(http, b.httpPort()),
                                            "GET",
                                            "/rpc"))
                            .buildAsync(URI.create("ws://127.0.0.1:" + b.httpPort() + "/rpc"), c)
                            .get(30, TimeUnit.SECONDS);

            ws.sendText("{\"id\":1,\"src\":\"ws-client\",\"method\":\"Sys.GetInfo\"}", true)
                    .get(10, TimeUnit.SECONDS);
            JsonNode r = c.next();
            assertThat(r.get("id").asInt()).isEqualTo(1);
            assertThat(r.get("src").asText()).isEqualTo("dev-ws");
            assertThat(r.get("dst").asText()).isEqualTo("ws-client");
            assertThat(r.get("result").get("fw_version").asText()).isEqualTo("1.0.0");

            ws.sendText("{\"id\":2,\"src\":\"ws-client\",\"method\":\"No.Such\"}", true)
                    .get(10, TimeUnit.SECONDS);
            r = c.next();
            assertThat(r.get("id").asInt()).isEqualTo(2);
            assertThat(r.get("error").get("code").asInt()).isEqualTo(404);

            ws.sendText("not json", true).get(10, TimeUnit.SECONDS);
            assertThat(c.next().get("error").get("code").asInt()).isEqualTo(400);

            // a fragmented message (three frames), then one too long for a 16-bit length
            ws.sendText("{\"id\":3,\"src\":\"ws-client\",", false).get(10, TimeUnit.SECONDS);
            ws.sendText("\"method\":\"Config.Get\",", false).get(10, TimeUnit.SECONDS);
            ws.sendText("\"args\":{\"key\":\"device.id\"}}", true).get(10, TimeUnit.SECONDS);
            r = c.next();
            assertThat(r.get("id").asInt()).isEqualTo(3);
            assertThat(r.get("result").asText()).isEqualTo("dev-ws");

            byte[] big = new byte[96 * 1024];
            new java.util.Random(6).nextBytes(big);
            ws.sendText(
                            "{\"id\":4,\"method\":\"FS.Put\",\"args\":{\"filename\":\"big.bin\",\"data\":\""
                                    + Base64.getEncoder().encodeToString(big)
                                    + "\"}}",
                            true)
                    .get(10, TimeUnit.SECONDS);
            assertThat(c.next().has("result")).isTrue();
            byte[] stored = b.onDevice(fw -> fw.files().read("big.bin").orElseThrow());
            assertThat(stored).isEqualTo(big);

            ws.sendPing(ByteBuffer.wrap("are you there".getBytes())).get(10, TimeUnit.SECONDS);
            assertThat(c.pongs.poll(30, TimeUnit.SECONDS)).isEqualTo("are you there");

            // plain HTTP RPC keeps working on the same port while the WebSocket is open
            HttpResponse<String> h =
                    admin.post(http, "http://127.0.0.1:" + b.httpPort() + "/rpc/Sys.GetInfo", "");
            assertThat(h.statusCode()).isEqualTo(200);
            assertThat(Json.parse(h.body().getBytes()).get("fw_version").asText())
                    .isEqualTo("1.0.0");

            ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
            assertThat(c.closed.get(30, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
        }
    }
}
