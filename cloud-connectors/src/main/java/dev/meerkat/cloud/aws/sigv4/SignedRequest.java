package dev.meerkat.cloud.aws.sigv4;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * An HTTP request as it arrived: method, path and query exactly as sent (still percent-encoded),
 * headers (names in any case) and the body, which the caller has already bounded.
 */
public record SignedRequest(
        String method,
        String rawPath,
        String rawQuery,
        Map<String, List<String>> headers,
        byte[] body) {

    public SignedRequest {
        TreeMap<String, List<String>> lower = new TreeMap<>();
        headers.forEach(
                (name, values) ->
                        lower.merge(
                                name.toLowerCase(Locale.ROOT),
                                List.copyOf(values),
                                (a, b) ->
                                        java.util.stream.Stream.concat(a.stream(), b.stream())
                                                .toList()));
        headers = java.util.Collections.unmodifiableMap(lower);
        rawPath = rawPath == null || rawPath.isEmpty() ? "/" : rawPath;
        rawQuery = rawQuery == null ? "" : rawQuery;
        body = body == null ? new byte[0] : body.clone();
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    /**
     * The single value of a header, or null; several values are joined with commas as SigV4 does.
     */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : String.join(",", values);
    }
}
