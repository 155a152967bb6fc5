package dev.meerkat.fleetsim;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small HTTP server for firmware images on 127.0.0.1: GET with single-range {@code Range}
 * requests (206 + Content-Range, ETag, If-Range), or, in {@code ignoreRange} mode, always the whole
 * file with 200, as some servers and proxies do.
 */
public final class ImageServer implements AutoCloseable {

    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final boolean ignoreRange;
    private final AtomicLong bytesServed = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong rangeRequests = new AtomicLong();

    public ImageServer(boolean ignoreRange) throws IOException {
        this.ignoreRange = ignoreRange;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
        executor =
                Executors.newFixedThreadPool(
                        8,
                        r -> {
                            Thread t = new Thread(r, "image-server");
                            t.setDaemon(true);
                            return t;
                        });
        server.setExecutor(executor);
        server.createContext(
                "/",
                ex -> {
                    try (ex) {
                        serve(ex);
                    } catch (IOException e) {
                        // client went away
                    }
                });
        server.start();
    }

    /** Publishes {@code content} at {@code /name}; returns its URL. */
    public String put(String name, byte[] content) {
        files.put("/" + name, content.clone());
        return url(name);
    }

    public String url(String name) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/" + name;
    }

    private void serve(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        byte[] f = files.get(ex.getRequestURI().getPath());
        if (f == null || !ex.getRequestMethod().equals("GET")) {
            ex.sendResponseHeaders(404, -1);
            return;
        }
        String etag = "\"" + etag(f) + "\"";
        ex.getResponseHeaders().set("ETag", etag);
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        String range = ex.getRequestHeaders().getFirst("Range");
        String ifRange = ex.getRequestHeaders().getFirst("If-Range");
        long from = 0;
        long to = f.length - 1;
        int status = 200;
        if (!ignoreRange) {
            ex.getResponseHeaders().set("Accept-Ranges", "bytes");
            if (range != null && (ifRange == null || ifRange.equals(etag))) {
                Matcher m = RANGE.matcher(range);
                if (m.matches()) {
                    from = Long.parseLong(m.group(1));
                    if (!m.group(2).isEmpty()) {
                        to = Math.min(to, Long.parseLong(m.group(2)));
                    }
                    if (from > to) {
                        ex.getResponseHeaders().set("Content-Range", "bytes */" + f.length);
                        ex.sendResponseHeaders(416, -1);
                        return;
                    }
                    status = 206;
                    rangeRequests.incrementAndGet();
                    ex.getResponseHeaders()
                            .set("Content-Range", "bytes " + from + "-" + to + "/" + f.length);
                }
            }
        }
        long len = to - from + 1;
        ex.sendResponseHeaders(status, len);
        try (OutputStream out = ex.getResponseBody()) {
            int pos = (int) from;
            while (pos <= to) {
                int n = (int) Math.min(16384, to + 1 - pos);
                out.write(f, pos, n);
                bytesServed.addAndGet(n);
                pos += n;
            }
        }
    }

    private static String etag(byte[] f) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(f), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public long bytesServed() {
        return bytesServed.get();
    }

    public long requests() {
        return requests.get();
    }

    /** Requests answered with 206. */
    public long rangeRequests() {
        return rangeRequests.get();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
