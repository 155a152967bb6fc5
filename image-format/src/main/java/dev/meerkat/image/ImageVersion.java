package dev.meerkat.image;

/**
 * Semantic version stored in the image header: {@code major.minor.revision+build}. Ordering follows
 * MCUboot: build numbers take part in comparisons.
 */
public record ImageVersion(int major, int minor, int revision, long build)
        implements Comparable<ImageVersion> {

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

    /**
     * Parses {@code 1}, {@code 1.2}, {@code 1.2.3} or {@code 1.2.3+4} as imgtool does: ASCII
     * digits, no leading zeros. Read by hand rather than with a regular expression, whose classes
     * and lambdas are a few milliseconds of a short {@code meerkat sign}.
     */
    public static ImageVersion parse(String text) {
        String t = text.trim();
        long[] fields = new long[4];
        int field = 0;
        int start = 0;
        for (int i = 0; ; i++) {
            char c = i < t.length() ? t.charAt(i) : 0;
            if (c >= '0' && c <= '9') continue;
            boolean last = i == t.length();
            boolean separator = (c == '.' && field < 2) || (c == '+' && field == 2);
            if (!last && !separator) throw invalid(text);
            fields[field++] = number(t, start, i, text);
            if (last) break;
            start = i + 1;
        }
        if (fields[0] > Integer.MAX_VALUE
                || fields[1] > Integer.MAX_VALUE
                || fields[2] > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("invalid version '" + text + "': number too large");
        }
        return new ImageVersion((int) fields[0], (int) fields[1], (int) fields[2], fields[3]);
    }

    /** The decimal number in {@code t[from..to)}: "0" or without leading zeros. */
    private static long number(String t, int from, int to, String text) {
        if (to == from || (t.charAt(from) == '0' && to - from > 1)) throw invalid(text);
        if (to - from > 18)
            throw new IllegalArgumentException("invalid version '" + text + "': number too large");
        long v = 0;
        for (int i = from; i < to; i++) v = v * 10 + (t.charAt(i) - '0');
        return v;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException(
                "invalid version '" + text + "': expected major.minor.revision+build");
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
