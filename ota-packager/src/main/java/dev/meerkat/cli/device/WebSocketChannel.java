package dev.meerkat.cli.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.firmware.json.Json;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;

/**
 * mg_rpc frames as WebSocket text messages on {@code GET /rpc} (RFC 6455, the JDK's client). The
 * connection is opened on first use and again after it dropped (a device that rebooted).
 */
final class WebSocketChannel implements FrameChannel {

    private final DevicePort port;
    private final HttpClient client;
    private final Map<Long, CompletableFuture<ObjectNode>> waiting = new ConcurrentHashMap<>();
    private WebSocket socket;

    WebSocketChannel(DevicePort port, SSLContext tls, Duration timeout) {
        this.port = port;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout);
        if (tls != null) {
            b.sslContext(tls);
        }
        this.client = b.build();
    }

    @Override
    public ObjectNode exchange(ObjectNode request, Duration timeout) {
        WebSocket ws = connect(timeout);
        long id = request.get("id").asLong();
        CompletableFuture<ObjectNode> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        try {
            ws.sendText(Json.write(request), true).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            drop();
            throw new CliException(
                    ExitCode.IO,
                    "no answer from " + port + " within " + timeout.toSeconds() + " s");
        } catch (ExecutionException e) {
            drop();
            throw new CliException(
                    ExitCode.IO,
                    "lost the connection to " + port + ": " + HttpRpcLink.describe(e.getCause()),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.IO, "interrupted", e);
        } finally {
            waiting.remove(id);
        }
    }

    private synchronized WebSocket connect(Duration timeout) {
        if (socket != null && !socket.isOutputClosed() && !socket.isInputClosed()) {
            return socket;
        }
        try {
            socket =
                    client.newWebSocketBuilder()
                            .connectTimeout(timeout)
                            .buildAsync(port.uri(), new Listener())
                            .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            return socket;
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof java.net.http.WebSocketHandshakeException h) {
                throw new CliException(
                        ExitCode.IO,
                        port
                                + " refused the WebSocket upgrade: HTTP "
                                + h.getResponse().statusCode());
            }
            if (c instanceof javax.net.ssl.SSLException) {
                throw new CliException(
                        ExitCode.IO,
                        "TLS with "
                                + port
                                + " failed: "
                                + HttpRpcLink.describe(c)
                                + " (check --ca-cert, --cert and --key)",
                        c);
            }
            throw new CliException(
                    ExitCode.IO, "cannot reach " + port + ": " + HttpRpcLink.describe(c), c);
        } catch (TimeoutException e) {
            throw new CliException(
                    ExitCode.IO,
                    "cannot reach " + port + ": no WebSocket within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.IO, "interrupted", e);
        }
    }

    private synchronized void drop() {
        if (socket != null) {
            socket.abort();
            socket = null;
        }
    }

    /**
     * Collects text messages (possibly in parts) and hands each frame to the call waiting for its
     * id.
     */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String message = text.toString();
                text.setLength(0);
                try {
                    JsonNode frame = Json.parse(message.getBytes(StandardCharsets.UTF_8));
                    if (frame instanceof ObjectNode o) {
                        CompletableFuture<ObjectNode> f = waiting.get(o.path("id").asLong(-1));
                        if (f != null) {
                            f.complete(o);
                        }
                    }
                } catch (IllegalArgumentException e) {
                    // not a frame: ignored, as mg_rpc does
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            fail(new java.io.IOException("device closed the WebSocket (" + status + ")"));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            fail(error);
        }

        private void fail(Throwable t) {
            waiting.values().forEach(f -> f.completeExceptionally(t));
        }
    }

    @Override
    public String source() {
        return "";
    }

    @Override
    public String describe() {
        return port.toString();
    }

    @Override
    public void close() {
        WebSocket ws = socket;
        if (ws != null) {
            try {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                ws.abort();
            }
        }
    }
}
