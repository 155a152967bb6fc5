package dev.meerkat.firmware.agent.poll;

import dev.meerkat.firmware.ota.OtaResult;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The wire shapes of Mongoose OS's HTTP update check ({@code update.url}): the device sends {@code
 * X-MGOS-FW-Version: <platform> <version> <build>} and gets 304 when it runs what it should, or the
 * image (200, or 206 for a range). Meerkat adds one header, {@code X-Meerkat-OTA-Result}, so the
 * server learns how the last update ended (the bootloader's rollback reason) instead of guessing it
 * from the version alone.
 */
public final class UpdateCheck {

    /** The header Mongoose OS's update check sends. */
    public static final String VERSION_HEADER = "X-MGOS-FW-Version";

    /** How the last update this check started ended: {@code <outcome> <version>[; <detail>]}. */
    public static final String RESULT_HEADER = "X-Meerkat-OTA-Result";

    private static final int MAX_RESULT = 400;

    private UpdateCheck() {}

    /** What the server answered. */
    public sealed interface Answer {}

    /** 304: the device runs what it should. */
    public record UpToDate() implements Answer {}

    /** 200/206: an update, of {@code size} bytes when the server said so. */
    public record Update(OptionalLong size) implements Answer {}

    /** Anything else: the check failed (try again at the next interval). */
    public record Refused(int status) implements Answer {}

    /** {@code <platform> <version> <build>}, each word without spaces. */
    public static String versionHeader(String platform, String version, String build) {
        return word(platform) + " " + word(version) + " " + word(build);
    }

    /**
     * The result header for {@code r}: outcome, version, and for a rollback the bootloader's reason
     * ({@code REASON: description}) or for a failure its error; printable ASCII, bounded.
     */
    public static String resultHeader(OtaResult r) {
        StringBuilder b = new StringBuilder(r.toJson().path("state").asText());
        b.append(' ').append(word(r.version().orElse("-")));
        Optional<String> why =
                r.reason()
                        .map(x -> x.name() + ": " + r.detail().orElse(x.description()))
                        .or(r::detail);
        why.ifPresent(w -> b.append("; ").append(w));
        String s = b.toString().replaceAll("[^\\x20-\\x7e]", " ");
        return s.length() <= MAX_RESULT ? s : s.substring(0, MAX_RESULT);
    }

    /** The answer an HTTP status (and Content-Length, -1 if absent) means. */
    public static Answer answer(int status, long contentLength) {
        return switch (status) {
            case 304 -> new UpToDate();
            case 200, 206 ->
                    new Update(
                            status == 200 && contentLength > 0
                                    ? OptionalLong.of(contentLength)
                                    : OptionalLong.empty());
            default -> new Refused(status);
        };
    }

    private static String word(String s) {
        String w = s == null ? "" : s.replaceAll("[^\\x21-\\x7e]", "_");
        return w.isEmpty() ? "-" : w;
    }
}
