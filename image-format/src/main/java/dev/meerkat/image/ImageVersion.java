package dev.meerkat.image;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Semantic version stored in the image header: {@code major.minor.revision+build}. Ordering follows
 * MCUboot: build numbers take part in comparisons.
 */
public record ImageVersion(int major, int minor, int revision, long build)
        implements Comparable<ImageVersion> {

    private static final Pattern FORMAT =
            Pattern.compile(
                    "^(0|[1-9]\\d*)(?:\\.(0|[1-9]\\d*)(?:\\.(0|[1-9]\\d*)(?:\\+(0|[1-9]\\d*))?)?)?$");

    public ImageVersion {
        if (major < 0 || major > 0xFF)
            throw new IllegalArgumentException("major " + major + " outside 0..255");
        if (minor < 0 || minor > 0xFF)
            throw new IllegalArgumentException("minor " + minor + " outside 0..255");
        if (revision < 0 || revision > 0xFFFF) {
            throw new IllegalArgumentException("revision " + revision + " outside 0..65535");
        }
        if (build < 0 || build > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("build " + build + " outside 0..4294967295");
        }
    }

    /** Parses {@code 1}, {@code 1.2}, {@code 1.2.3} or {@code 1.2.3+4} as imgtool does. */
    public static ImageVersion parse(String text) {
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "invalid version '" + text + "': expected major.minor.revision+build");
        }
        try {
            return new ImageVersion(
                    Integer.parseInt(m.group(1)),
                    m.group(2) == null ? 0 : Integer.parseInt(m.group(2)),
                    m.group(3) == null ? 0 : Integer.parseInt(m.group(3)),
                    m.group(4) == null ? 0 : Long.parseLong(m.group(4)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid version '" + text + "': number too large");
        }
    }

    /** The security counter imgtool derives for {@code -s auto}. */
    public long autoSecurityCounter() {
        return ((long) major << 24) | ((long) minor << 16) | revision;
    }

    @Override
    public int compareTo(ImageVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) c = Integer.compare(minor, o.minor);
        if (c == 0) c = Integer.compare(revision, o.revision);
        if (c == 0) c = Long.compare(build, o.build);
        return c;
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + revision + "+" + build;
    }
}
