package dev.meerkat.firmware.ota;

import dev.meerkat.firmware.device.Network;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fetches an image over HTTP(S) one chunk per {@link #step}, so the device's main loop stays
 * responsive. After a broken connection it resumes with {@code Range: bytes=<durable>-} and {@code
 * If-Range: <ETag>}; a server that ignores the range (200) or whose file changed (another
 * Content-Range) makes the download start over instead of splicing two files. Client errors other
 * than 408/429 end the download; anything else is retried with a growing delay.
 */
final class ImageDownload implements AutoCloseable {

    /** Where the bytes go. */
    interface Target {
        /** Bytes safely taken: a new connection continues there. */
        long resumeAt();

        /** Forgets what was taken beyond {@link #resumeAt()} (the connection broke). */
        void rewind();

        /** Starts over at byte 0. */
        void restart();

        /** The server announced the image length (and its ETag, if any). */
        void length(long total, Optional<String> etag) throws OtaRefused;

        void accept(byte[] b, int n) throws OtaRefused;

        /** Bytes taken so far. */
        long accepted();
    }

    /** What the caller does next. */
    sealed interface Step {}

    /** Call {@link #step} again. */
    record More() implements Step {}

    /** Every byte has been taken. */
    record Done() implements Step {}

    /** The connection broke: call {@link #step} again after {@code delayMillis}. */
    record RetryAfter(long delayMillis, String error) implements Step {}

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+)");

    private final Network network;
    private final String url;
    private final String caFile;
    private final int retries;
    private final Map<String, String> headers;
    private final Consumer<String> log;
    private final byte[] buf;
    private long total;
    private String etag;
    private InputStream in;
    private int failures;

    /**
     * @param total known length when resuming after a reset (0 if unknown)
     * @param etag the ETag seen before a reset, if any
     * @param headers sent on every connection (the channel's credentials)
     */
    ImageDownload(
            Network network,
            String url,
            String caFile,
            int chunk,
            int retries,
            long total,
            Optional<String> etag,
            Map<String, String> headers,
            Consumer<String> log) {
        this.network = network;
        this.url = url;
        this.caFile = caFile;
        this.retries = retries;
        this.total = total;
        this.etag = etag.orElse(null);
        this.headers = Map.copyOf(headers);
        this.log = log;
        this.buf = new byte[chunk];
    }

    String url() {
        return url;
    }

    long total() {
        return total;
    }

    /** Reads at most one chunk into {@code t}. */
    Step step(Target t) throws OtaRefused {
        try {
            if (in == null) {
                open(t);
            }
            int want = (int) Math.min(buf.length, total - t.accepted());
            int n = want == 0 ? -1 : in.read(buf, 0, want);
            if (n < 0) {
                if (t.accepted() < total) {
                    throw new IOException("connection closed at " + t.accepted() + " of " + total);
                }
            } else {
                failures = 0;
                t.accept(buf, n);
            }
            if (t.accepted() == total) {
                close();
                return new Done();
            }
            return new More();
        } catch (IOException e) {
            close();
            t.rewind();
            failures++;
            if (failures > retries) {
                throw new OtaRefused(
                        "download failed after " + retries + " retries: " + e.getMessage());
            }
            long delay = Math.min(10_000, 250L << Math.min(failures, 6));
            return new RetryAfter(delay, String.valueOf(e.getMessage()));
        } catch (OtaRefused e) {
            close();
            throw e;
        }
    }

    private void open(Target t) throws IOException, OtaRefused {
        long from = t.resumeAt();
        HttpURLConnection c = network.openHttp(url, caFile);
        headers.forEach(c::setRequestProperty);
        if (from > 0) {
            c.setRequestProperty("Range", "bytes=" + from + "-");
            if (etag != null) {
                c.setRequestProperty("If-Range", etag);
            }
        }
        int code = c.getResponseCode();
        if (code == 206) {
            Matcher m = CONTENT_RANGE.matcher(String.valueOf(c.getHeaderField("Content-Range")));
            if (!m.matches()
                    || Long.parseLong(m.group(1)) != from
                    || (total > 0 && Long.parseLong(m.group(3)) != total)) {
                c.disconnect();
                log.accept(
                        "ota: unexpected Content-Range "
                                + c.getHeaderField("Content-Range")
                                + "; starting over");
                t.restart();
                throw new IOException("server sent another range or file");
            }
            total = Long.parseLong(m.group(3));
        } else if (code == 200) {
            if (from > 0) {
                log.accept(
                        "ota: server ignored Range (200 for bytes=" + from + "-); starting over");
                t.restart();
            }
            total = c.getContentLengthLong();
            etag = c.getHeaderField("ETag");
        } else {
            c.disconnect();
            if (code >= 400 && code < 500 && code != 408 && code != 429) {
                throw new OtaRefused("HTTP " + code + " for " + url);
            }
            throw new IOException("HTTP " + code);
        }
        if (total <= 0) {
            c.disconnect();
            throw new OtaRefused("server did not say how long the image is");
        }
        try {
            t.length(total, Optional.ofNullable(etag));
        } catch (OtaRefused e) {
            c.disconnect();
            throw e;
        }
        in = network.download(c.getInputStream());
    }

    @Override
    public void close() {
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                // closing a broken stream
            }
        }
        in = null;
    }
}
