package dev.meerkat.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A DEPENDENCY TLV: this image needs image {@code imageId} at {@code minimumVersion} or newer. */
public record Dependency(int imageId, ImageVersion minimumVersion) {

    private static final Pattern ITEM = Pattern.compile("\\(\\s*(\\d+)\\s*,\\s*([^)\\s]+)\\s*\\)");

    public Dependency {
        if (imageId < 0 || imageId > 0xFF)
            throw new IllegalArgumentException("image id " + imageId + " outside 0..255");
    }

    /** Parses imgtool's {@code -d "(1,2.3.4+5), (2, 1.0.0)"} syntax. */
    public static List<Dependency> parseList(String text) {
        List<Dependency> out = new ArrayList<>();
        Matcher m = ITEM.matcher(text);
        int end = 0;
        while (m.find()) {
            String between = text.substring(end, m.start()).replace(",", "").trim();
            if (!between.isEmpty())
                throw new IllegalArgumentException("invalid dependency list '" + text + "'");
            out.add(new Dependency(Integer.parseInt(m.group(1)), ImageVersion.parse(m.group(2))));
            end = m.end();
        }
        if (out.isEmpty() || !text.substring(end).trim().isEmpty()) {
            throw new IllegalArgumentException(
                    "invalid dependency list '" + text + "': expected (id,version)[, ...]");
        }
        return out;
    }

    public byte[] encode() {
        return ByteBuffer.allocate(12)
                .order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) imageId)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) minimumVersion.major())
                .put((byte) minimumVersion.minor())
                .putShort((short) minimumVersion.revision())
                .putInt((int) minimumVersion.build())
                .array();
    }

    public static Dependency decode(byte[] v) {
        if (v.length != 12)
            throw new IllegalArgumentException(
                    "DEPENDENCY TLV is " + v.length + " bytes, expected 12");
        ByteBuffer b = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
        int id = Byte.toUnsignedInt(b.get());
        b.position(4);
        return new Dependency(
                id,
                new ImageVersion(
                        Byte.toUnsignedInt(b.get()),
                        Byte.toUnsignedInt(b.get()),
                        Short.toUnsignedInt(b.getShort()),
                        Integer.toUnsignedLong(b.getInt())));
    }

    @Override
    public String toString() {
        return "(" + imageId + "," + minimumVersion + ")";
    }
}
