package dev.meerkat.fleet.api;

import dev.meerkat.fleet.release.ObjectStore;
import dev.meerkat.fleet.release.Release;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Serves a release artifact, whole or one byte range (RFC 9110 single ranges; others get the whole
 * body).
 */
public final class ArtifactResponses {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    private ArtifactResponses() {}

    public static Response serve(ObjectStore store, Release r, String rangeHeader) {
        long size = r.size();
        long from = 0;
        long to = size - 1;
        boolean partial = false;
        if (rangeHeader != null) {
            Matcher m = RANGE.matcher(rangeHeader.strip());
            if (m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
                try {
                    if (m.group(1).isEmpty()) {
                        from = Math.max(0, size - Long.parseLong(m.group(2)));
                    } else {
                        from = Long.parseLong(m.group(1));
                        if (!m.group(2).isEmpty()) to = Math.min(to, Long.parseLong(m.group(2)));
                    }
                } catch (NumberFormatException e) {
                    from = size;
                }
                if (from >= size || from > to) {
                    return Response.status(416).header("Content-Range", "bytes */" + size).build();
                }
                partial = true;
            }
        }
        long start = from;
        long length = to - from + 1;
        // opened before the answer starts, so an unavailable store is a 503, not a cut 200
        InputStream opened;
        try {
            opened = store.read(r.objectKey(), start, length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StreamingOutput body =
                out -> {
                    try (InputStream in = opened) {
                        in.transferTo(out);
                    }
                };
        Response.ResponseBuilder b =
                Response.status(partial ? 206 : 200)
                        .entity(body)
                        .type("application/octet-stream")
                        .header("Accept-Ranges", "bytes")
                        .header("Content-Length", length)
                        .header("ETag", "\"" + r.sha256() + "\"")
                        .header(
                                "Content-Disposition",
                                "attachment; filename=\""
                                        + r.id()
                                        + (r.format().equals("fwzip") ? ".zip" : ".bin")
                                        + "\"");
        if (partial) b.header("Content-Range", "bytes " + from + "-" + to + "/" + size);
        return b.build();
    }
}
