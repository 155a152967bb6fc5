package dev.meerkat.firmware.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.meerkat.firmware.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;

/**
 * The HTTP RPC channel: {@code POST /rpc/<Method>} with the args as the JSON body answers the
 * result as the body (200) or the error frame (status 400/404/500, as its code says);
 * {@code POST /rpc} takes and answers whole mg_rpc frames. Requests are handed to the device's main
 * loop through {@code loop}.
 */
public final class HttpRpcServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;

    /**
     * @param loop runs a request frame on the device and returns the response frame
     */
    public HttpRpcServer(InetSocketAddress address, Function<ObjectNode, ObjectNode> loop) throws IOException {
        server = HttpServer.create(address, 16);
        executor = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "http-rpc");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/rpc", ex -> {
            try (ex) {
                handle(ex, loop);
            } catch (RuntimeException e) {
                // the device went away mid-request (reboot); the client sees a closed connection
            }
        });
        server.start();
    }

    private static void handle(HttpExchange ex, Function<ObjectNode, ObjectNode> loop) throws IOException {
        String path = ex.getRequestURI().getPath();
        byte[] body = ex.getRequestBody().readAllBytes();
        boolean whole = path.equals("/rpc") || path.equals("/rpc/");
        ObjectNode frame;
        try {
            JsonNode parsed = body.length == 0 ? Json.object() : Json.parse(body);
            if (whole) {
                if (!(parsed instanceof ObjectNode o)) {
                    throw new IllegalArgumentException("frame must be a JSON object");
                }
                frame = o;
            } else {
                frame = Json.object();
                frame.put("id", 1);
                frame.put("method", path.substring("/rpc/".length()));
                frame.set("args", parsed);
            }
        } catch (IllegalArgumentException e) {
            ObjectNode err = Json.object();
            err.putObject("error").put("code", 400).put("message", e.getMessage());
            send(ex, 400, err);
            return;
        }
        ObjectNode resp = loop.apply(frame);
        if (whole) {
            send(ex, 200, resp);
        } else if (resp.has("error")) {
            int code = resp.get("error").path("code").asInt(500);
            send(ex, code >= 400 && code < 600 ? code : 500, resp);
        } else {
            send(ex, 200, resp.get("result"));
        }
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] b = (Json.write(body) + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
