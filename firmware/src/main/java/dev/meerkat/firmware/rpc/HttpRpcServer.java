package dev.meerkat.firmware.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.json.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * The device's HTTP port, a small HTTP/1.1 server (persistent connections, Content-Length or
 * chunked request bodies) with two RPC channels, as Mongoose OS offers them:
 *
 * <ul>
 *   <li>HTTP: {@code POST /rpc/<Method>} with the args as the JSON body answers the result as the
 *       body (200) or the error frame (status 400/404/500…, as its code says); {@code GET
 *       /rpc/<Method>} calls without args; {@code POST /rpc} takes and answers whole mg_rpc frames;
 *   <li>WebSocket (RFC 6455): {@code GET /rpc} with {@code Upgrade: websocket}; every text message
 *       is an mg_rpc request frame and is answered with the response frame as a text message. Ping
 *       is answered with pong, close with close; client frames must be masked.
 * </ul>
 *
 * Every request carries the caller's credentials to the {@link RpcEndpoint}: the HTTP {@code
 * Authorization} header (Digest, RFC 7616), checked per request; a WebSocket authenticates once at
 * its upgrade (a wrong header is answered 401 and the upgrade refused), or per frame with an mg_rpc
 * {@code auth} object. A 401 answer carries a {@code WWW-Authenticate} Digest challenge. With TLS
 * (HTTPS, WSS) and a client CA, a verified client certificate's common name is the caller's user
 * unless the request also carries a Digest header. Requests run on the device's main loop; each
 * connection has its own thread, so a WebSocket stays open while HTTP requests come and go.
 */
public final class HttpRpcServer implements AutoCloseable {

    private static final String WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final int MAX_HEADER = 16 * 1024;
    private static final int MAX_BODY = 8 * 1024 * 1024;
    private static final int MAX_MESSAGE = 1024 * 1024;

    private final ServerSocket server;
    private final ExecutorService connections;
    private final RpcEndpoint endpoint;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param endpoint runs request frames and credential checks on the device
     */
    public HttpRpcServer(InetSocketAddress address, RpcEndpoint endpoint) throws IOException {
        this(address, endpoint, null, false);
    }

    /**
     * @param tls serves HTTPS/WSS with this context (null: plain HTTP)
     * @param clientAuth requires a client certificate; its common name is the caller's user
     */
    public HttpRpcServer(
            InetSocketAddress address, RpcEndpoint endpoint, SSLContext tls, boolean clientAuth)
            throws IOException {
        this.endpoint = endpoint;
        if (tls != null) {
            SSLServerSocket ss =
                    (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
            ss.setNeedClientAuth(clientAuth);
            server = ss;
        } else {
            server = new ServerSocket();
        }
        server.setReuseAddress(true);
        server.bind(address, 16);
        connections =
                Executors.newCachedThreadPool(
                        r -> {
                            Thread t = new Thread(r, "http-rpc");
                            t.setDaemon(true);
                            return t;
                        });
        Thread acceptor = new Thread(this::accept, "http-rpc-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The bound port. */
    public int port() {
        return server.getLocalPort();
    }

    private void accept() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            open.add(s);
            try {
                connections.execute(() -> serve(s));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                closeQuietly(s);
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            RpcCredential.Established peer = null;
            if (s instanceof SSLSocket ssl) {
                s.setSoTimeout(30_000);
                ssl.startHandshake();
                s.setSoTimeout(0);
                peer = clientIdentity(ssl);
            }
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (!closed) {
                Request r = Request.read(in);
                if (r == null) {
                    return;
                }
                if (!handle(r, in, out, peer)) {
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            // client went away, malformed request, or the device reset mid-request
        } finally {
            open.remove(s);
        }
    }

    /** The user named by a verified client certificate, if one was presented. */
    private static RpcCredential.Established clientIdentity(SSLSocket ssl) {
        try {
            Certificate[] peer = ssl.getSession().getPeerCertificates();
            if (peer.length > 0 && peer[0] instanceof X509Certificate x) {
                return RpcTls.user(x)
                        .map(u -> new RpcCredential.Established(u, "tls client certificate"))
                        .orElse(null);
            }
        } catch (SSLPeerUnverifiedException e) {
            // no client certificate: Digest only
        }
        return null;
    }

    /** What a request presents: its Digest header, else the connection's client certificate. */
    private static RpcCredential presented(Request r, RpcCredential.Established peer) {
        String authorization = r.header("authorization");
        if (authorization == null && peer != null) {
            return peer;
        }
        return new RpcCredential.HttpDigest(r.method(), r.target(), authorization);
    }

    /** Answers one request; false when the connection must end. */
    private boolean handle(
            Request r, InputStream in, OutputStream out, RpcCredential.Established peer)
            throws IOException {
        String path = r.path();
        if (!path.equals("/rpc") && !path.startsWith("/rpc/")) {
            respond(
                    out,
                    404,
                    "text/plain",
                    "not found\n".getBytes(StandardCharsets.UTF_8),
                    r.keepAlive());
            return r.keepAlive();
        }
        boolean whole = path.equals("/rpc") || path.equals("/rpc/");
        if (r.method().equals("GET")
                && whole
                && "websocket".equalsIgnoreCase(r.header("upgrade"))) {
            RpcCredential caller = peer != null ? peer : new RpcCredential.None();
            if (r.header("authorization") != null) {
                DigestAuth.Outcome o =
                        endpoint.verify(
                                new RpcCredential.HttpDigest(
                                        r.method(), r.target(), r.header("authorization")));
                if (o instanceof DigestAuth.Outcome.Refused refused) {
                    unauthorized(
                            out, refused.stale(), Json.object().put("error", refused.why()), false);
                    return false;
                }
                caller =
                        new RpcCredential.Established(
                                ((DigestAuth.Outcome.Authenticated) o).user(), "websocket");
            }
            webSocket(r, in, out, caller);
            return false;
        }
        if (!r.method().equals("POST") && !(r.method().equals("GET") && !whole)) {
            respond(
                    out,
                    405,
                    "text/plain",
                    "use POST\n".getBytes(StandardCharsets.UTF_8),
                    r.keepAlive());
            return r.keepAlive();
        }
        if (r.header("expect", "").equalsIgnoreCase("100-continue")) {
            out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }
        byte[] body = r.body(in);
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
            respondJson(out, 400, err, r.keepAlive());
            return r.keepAlive();
        }
        ObjectNode resp = endpoint.call(frame, presented(r, peer));
        int code = resp == null ? 0 : resp.path("error").path("code").asInt(0);
        if (code == RpcException.UNAUTHORIZED) {
            boolean stale = resp.path("error").path("message").asText().contains("stale nonce");
            unauthorized(out, stale, resp, r.keepAlive());
            return r.keepAlive();
        }
        if (resp == null) {
            respond(out, 204, null, new byte[0], r.keepAlive());
        } else if (whole) {
            respondJson(out, 200, resp, r.keepAlive());
        } else if (resp.has("error")) {
            respondJson(out, code >= 400 && code < 600 ? code : 500, resp, r.keepAlive());
        } else {
            respondJson(out, 200, resp.get("result"), r.keepAlive());
        }
        return r.keepAlive();
    }

    /** 401 with a Digest challenge (RFC 7616 section 3.3). */
    private void unauthorized(OutputStream out, boolean stale, JsonNode body, boolean keepAlive)
            throws IOException {
        byte[] b = (Json.write(body) + "\n").getBytes(StandardCharsets.UTF_8);
        String h =
                "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: "
                        + endpoint.challenge(stale)
                        + "\r\nContent-Type: application/json\r\nContent-Length: "
                        + b.length
                        + "\r\nConnection: "
                        + (keepAlive ? "keep-alive" : "close")
                        + "\r\n\r\n";
        out.write(h.getBytes(StandardCharsets.ISO_8859_1));
        out.write(b);
        out.flush();
    }

    private static void respondJson(OutputStream out, int status, JsonNode body, boolean keepAlive)
            throws IOException {
        respond(
                out,
                status,
                "application/json",
                (Json.write(body) + "\n").getBytes(StandardCharsets.UTF_8),
                keepAlive);
    }

    private static void respond(
            OutputStream out, int status, String type, byte[] body, boolean keepAlive)
            throws IOException {
        StringBuilder h =
                new StringBuilder("HTTP/1.1 ")
                        .append(status)
                        .append(' ')
                        .append(reason(status))
                        .append("\r\n");
        if (type != null) {
            h.append("Content-Type: ").append(type).append("\r\n");
        }
        h.append("Content-Length: ").append(body.length).append("\r\n");
        h.append("Connection: ").append(keepAlive ? "keep-alive" : "close").append("\r\n\r\n");
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    private static String reason(int status) {
        return switch (status) {
            case 101 -> "Switching Protocols";
            case 200 -> "OK";
            case 204 -> "No Content";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            default -> status < 500 ? "Client Error" : "Server Error";
        };
    }

    // ---------------------------------------------------------------- WebSocket

    private void webSocket(Request r, InputStream in, OutputStream out, RpcCredential caller)
            throws IOException {
        String key = r.header("sec-websocket-key");
        if (key == null
                || !"13".equals(r.header("sec-websocket-version"))
                || !r.header("connection", "").toLowerCase(Locale.ROOT).contains("upgrade")) {
            respond(
                    out,
                    400,
                    "text/plain",
                    "bad WebSocket handshake\n".getBytes(StandardCharsets.UTF_8),
                    false);
            return;
        }
        String accept;
        try {
            accept =
                    Base64.getEncoder()
                            .encodeToString(
                                    MessageDigest.getInstance("SHA-1")
                                            .digest(
                                                    (key.trim() + WS_GUID)
                                                            .getBytes(
                                                                    StandardCharsets.ISO_8859_1)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        out.write(
                ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                + "Sec-WebSocket-Accept: "
                                + accept
                                + "\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        int messageType = -1;
        while (!closed) {
            int b0 = in.read();
            if (b0 < 0) {
                return;
            }
            int b1 = readByte(in);
            boolean fin = (b0 & 0x80) != 0;
            int opcode = b0 & 0x0F;
            if ((b0 & 0x70) != 0 || (b1 & 0x80) == 0) {
                closeFrame(out, 1002, "unmasked frame or reserved bits set");
                return;
            }
            long len = b1 & 0x7F;
            if (len == 126) {
                len = (readByte(in) << 8) | readByte(in);
            } else if (len == 127) {
                len = 0;
                for (int i = 0; i < 8; i++) {
                    len = (len << 8) | readByte(in);
                }
            }
            if (len > MAX_MESSAGE || message.size() + len > MAX_MESSAGE) {
                closeFrame(out, 1009, "message too big");
                return;
            }
            byte[] mask = in.readNBytes(4);
            byte[] payload = in.readNBytes((int) len);
            if (mask.length < 4 || payload.length < len) {
                return;
            }
            for (int i = 0; i < payload.length; i++) {
                payload[i] ^= mask[i & 3];
            }
            switch (opcode) {
                case 0x8 -> {
                    int code =
                            payload.length >= 2
                                    ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF)
                                    : 1000;
                    closeFrame(out, code == 1005 ? 1000 : code, "");
                    return;
                }
                case 0x9 -> frame(out, 0xA, payload);
                case 0xA -> {
                    // unsolicited pong
                }
                case 0x0, 0x1, 0x2 -> {
                    if (opcode != 0) {
                        if (messageType != -1) {
                            closeFrame(out, 1002, "new message inside a fragmented one");
                            return;
                        }
                        messageType = opcode;
                    } else if (messageType == -1) {
                        closeFrame(out, 1002, "continuation without a message");
                        return;
                    }
                    message.write(payload);
                    if (fin) {
                        byte[] m = message.toByteArray();
                        message.reset();
                        int type = messageType;
                        messageType = -1;
                        if (type == 0x2) {
                            closeFrame(out, 1003, "mg_rpc frames are JSON text");
                            return;
                        }
                        ObjectNode resp = wsRequest(m, caller);
                        if (resp != null) {
                            frame(out, 0x1, Json.write(resp).getBytes(StandardCharsets.UTF_8));
                        }
                    }
                }
                default -> {
                    closeFrame(out, 1002, "unknown opcode " + opcode);
                    return;
                }
            }
        }
        closeFrame(out, 1001, "device going away");
    }

    private ObjectNode wsRequest(byte[] text, RpcCredential caller) {
        JsonNode parsed;
        try {
            parsed = Json.parse(text);
        } catch (IllegalArgumentException e) {
            parsed = null;
        }
        if (!(parsed instanceof ObjectNode frame)) {
            ObjectNode err = Json.object();
            err.putObject("error")
                    .put("code", RpcException.BAD_REQUEST)
                    .put("message", "frame must be a JSON object");
            return err;
        }
        return endpoint.call(frame, caller);
    }

    private static int readByte(InputStream in) throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("connection closed inside a frame");
        }
        return b;
    }

    /** Sends one unfragmented, unmasked server frame. */
    private static void frame(OutputStream out, int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream f = new ByteArrayOutputStream(payload.length + 10);
        f.write(0x80 | opcode);
        if (payload.length < 126) {
            f.write(payload.length);
        } else if (payload.length <= 0xFFFF) {
            f.write(126);
            f.write(payload.length >>> 8);
            f.write(payload.length);
        } else {
            f.write(127);
            for (int i = 7; i >= 0; i--) {
                f.write((int) ((long) payload.length >>> (8 * i)));
            }
        }
        f.write(payload);
        out.write(f.toByteArray());
        out.flush();
    }

    private static void closeFrame(OutputStream out, int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + Math.min(r.length, 120)];
        p[0] = (byte) (code >>> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, p.length - 2);
        try {
            frame(out, 0x8, p);
        } catch (IOException e) {
            // the peer is gone already
        }
    }

    // ---------------------------------------------------------------- requests

    /** A parsed request line and headers (names lower-cased). */
    private record Request(
            String method, String target, String version, Map<String, String> headers) {

        static Request read(InputStream in) throws IOException {
            String line = line(in);
            while (line != null && line.isEmpty()) {
                line = line(in);
            }
            if (line == null) {
                return null;
            }
            String[] parts = line.split(" ");
            if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
                throw new IOException("bad request line");
            }
            Map<String, String> headers = new TreeMap<>();
            int total = line.length();
            for (String h = line(in); h != null && !h.isEmpty(); h = line(in)) {
                total += h.length();
                if (total > MAX_HEADER) {
                    throw new IOException("headers too large");
                }
                int colon = h.indexOf(':');
                if (colon > 0) {
                    headers.merge(
                            h.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            h.substring(colon + 1).trim(),
                            (a, b) -> a + ", " + b);
                }
            }
            return new Request(parts[0], parts[1], parts[2], headers);
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    int n = b.length();
                    return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
                }
                if (b.length() > MAX_HEADER) {
                    throw new IOException("line too long");
                }
                b.append((char) c);
            }
            return b.length() == 0 ? null : b.toString();
        }

        String header(String name) {
            return headers.get(name);
        }

        String header(String name, String dflt) {
            return headers.getOrDefault(name, dflt);
        }

        String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        boolean keepAlive() {
            String c = header("connection", "").toLowerCase(Locale.ROOT);
            return version.equals("HTTP/1.1") ? !c.contains("close") : c.contains("keep-alive");
        }

        byte[] body(InputStream in) throws IOException {
            if ("chunked".equalsIgnoreCase(header("transfer-encoding", ""))) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                while (true) {
                    String size = line(in);
                    if (size == null) {
                        throw new EOFException("chunked body cut short");
                    }
                    int semi = size.indexOf(';');
                    int n =
                            Integer.parseInt(
                                    (semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                    if (n == 0) {
                        for (String t = line(in); t != null && !t.isEmpty(); t = line(in)) {
                            // trailers are ignored
                        }
                        return b.toByteArray();
                    }
                    if (b.size() + n > MAX_BODY) {
                        throw new IOException("body too large");
                    }
                    b.write(in.readNBytes(n));
                    line(in);
                }
            }
            long len = Long.parseLong(header("content-length", "0").trim());
            if (len < 0 || len > MAX_BODY) {
                throw new IOException("body too large");
            }
            byte[] b = in.readNBytes((int) len);
            if (b.length < len) {
                throw new EOFException("body cut short");
            }
            return b;
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
        connections.shutdownNow();
    }
}
