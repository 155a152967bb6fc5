package dev.meerkat.signing.sign;

import dev.meerkat.signing.refusal.Refusal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Spools an uploaded body to a file, holding it to its declared length and the configured maximum.
 */
final class Uploads {
    private static final org.jboss.logging.Logger LOG =
            org.jboss.logging.Logger.getLogger(Uploads.class);

    private Uploads() {}

    /** Checks the declared length before a byte is read. */
    static void checkDeclared(Long contentLength, long maxBytes, String what) {
        if (contentLength == null)
            throw Refusal.lengthRequired("send the " + what + " with a Content-Length header");
        if (contentLength > maxBytes) {
            throw Refusal.tooLarge(
                    what + "s are limited to " + maxBytes + " bytes, got " + contentLength);
        }
    }

    /**
     * Copies {@code body} to {@code file}; refuses a body longer than declared as soon as it is,
     * and one that ends early. A connection that breaks off is a refusal too ("upload cut").
     */
    static long spool(InputStream body, Path file, long declared) {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        try (OutputStream o = Files.newOutputStream(file)) {
            int n;
            while (true) {
                try {
                    n = body.read(buf);
                } catch (IOException e) {
                    // One line, no stack trace: a client going away is not a service failure.
                    LOG.warnf(
                            "upload cut after %d of %d bytes: %s",
                            total, declared, String.valueOf(e.getMessage()));
                    throw Refusal.invalid(
                            "Upload cut",
                            "the upload broke off after "
                                    + total
                                    + " of "
                                    + declared
                                    + " bytes: "
                                    + e.getMessage());
                }
                if (n < 0) break;
                total += n;
                if (total > declared)
                    throw Refusal.invalid("the upload is longer than its Content-Length");
                o.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot spool the upload", e);
        }
        if (total != declared) {
            throw Refusal.invalid(
                    "Upload cut", "the upload ended after " + total + " of " + declared + " bytes");
        }
        return total;
    }
}
