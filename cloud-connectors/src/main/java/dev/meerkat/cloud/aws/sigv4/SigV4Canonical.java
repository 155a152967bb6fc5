package dev.meerkat.cloud.aws.sigv4;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The canonical forms SigV4 signs: URI (path normalised, each segment encoded again for every
 * service but S3), query (decoded, re-encoded strictly, sorted) and headers (lower-case, trimmed,
 * spaces collapsed).
 */
final class SigV4Canonical {

    private SigV4Canonical() {}

    static String uri(String rawPath, boolean doubleEncode) {
        String normalised = removeDotSegments(rawPath);
        return doubleEncode ? encode(normalised, true) : normalised;
    }

    static String query(String rawQuery) {
        if (rawQuery.isEmpty()) {
            return "";
        }
        List<String[]> pairs = new ArrayList<>();
        for (String part : rawQuery.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String name = eq < 0 ? part : part.substring(0, eq);
            String value = eq < 0 ? "" : part.substring(eq + 1);
            pairs.add(new String[] {encode(decode(name), false), encode(decode(value), false)});
        }
        pairs.sort((a, b) -> a[0].equals(b[0]) ? a[1].compareTo(b[1]) : a[0].compareTo(b[0]));
        StringBuilder sb = new StringBuilder();
        for (String[] p : pairs) {
            if (sb.length() > 0) {
                sb.append('&');
            }
            sb.append(p[0]).append('=').append(p[1]);
        }
        return sb.toString();
    }

    /**
     * Canonical header lines for the signed names (already lower-case, sorted); null if one is
     * missing.
     */
    static String headers(Map<String, List<String>> headers, List<String> signed) {
        StringBuilder sb = new StringBuilder();
        for (String name : signed) {
            List<String> values = headers.get(name);
            if (values == null) {
                return null;
            }
            List<String> trimmed =
                    values.stream().map(v -> v.trim().replaceAll(" +", " ")).toList();
            sb.append(name).append(':').append(String.join(",", trimmed)).append('\n');
        }
        return sb.toString();
    }

    /** RFC 3986 percent-encoding of everything but unreserved characters (and '/' if asked). */
    static String encode(String s, boolean keepSlash) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '_'
                    || c == '.'
                    || c == '~'
                    || (keepSlash && c == '/')) {
                sb.append(c);
            } else {
                sb.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
            }
        }
        return sb.toString();
    }

    static String decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '%') {
                if (i + 2 >= bytes.length) {
                    throw new IllegalArgumentException("truncated percent-encoding");
                }
                out.write(
                        HexFormat.fromHexDigits(
                                new String(bytes, i + 1, 2, StandardCharsets.US_ASCII)));
                i += 2;
            } else {
                out.write(bytes[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Removes "." and ".." segments as java.net.URI#normalize does (what the AWS SDK signs). */
    private static String removeDotSegments(String path) {
        String normalised = URI.create("http://h" + path).normalize().getRawPath();
        return normalised == null || normalised.isEmpty() ? "/" : normalised;
    }
}
