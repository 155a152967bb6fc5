package dev.meerkat.fwzip;

import dev.meerkat.fwzip.FwZipException.Problem;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Constants and small helpers for the subset of the ZIP format (APPNOTE 6.3) used by fw.zip. */
final class ZipFormat {
    private ZipFormat() {}

    static final int LOCAL_HEADER_SIG = 0x04034b50;
    static final int CENTRAL_HEADER_SIG = 0x02014b50;
    static final int EOCD_SIG = 0x06054b50;
    static final int ZIP64_EOCD_SIG = 0x06064b50;
    static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    static final int DATA_DESCRIPTOR_SIG = 0x08074b50;

    static final int LOCAL_HEADER_LEN = 30;
    static final int CENTRAL_HEADER_LEN = 46;
    static final int EOCD_LEN = 22;
    static final int ZIP64_LOCATOR_LEN = 20;
    static final int MAX_COMMENT = 0xffff;

    static final int FLAG_ENCRYPTED = 0x0001;
    static final int FLAG_DATA_DESCRIPTOR = 0x0008;
    static final int FLAG_STRONG_ENCRYPTION = 0x0040;
    static final int FLAG_UTF8 = 0x0800;
    static final int FLAG_MASKED_HEADERS = 0x2000;

    static final int EXTRA_ZIP64 = 0x0001;

    /** The Mongoose OS signature extra field ID (bytes 0x3a 0x29 on disk, a sideways smiley). */
    static final int EXTRA_MOS_SIGNATURES = 0x293a;

    /** Version needed to extract: 2.0 (Deflate). */
    static final int VERSION_NEEDED = 20;

    /** Version made by: Unix (3), spec 2.0. */
    static final int VERSION_MADE_BY = (3 << 8) | 20;

    /** Regular file, mode 0644, in the Unix half of the external attributes. */
    static final long EXTERNAL_ATTRS_FILE = (0100644L << 16);

    /** 1980-01-01 00:00:00, the earliest DOS timestamp; used for reproducible output. */
    static final int DOS_DATE_EPOCH = (0 << 9) | (1 << 5) | 1;

    static final int DOS_TIME_EPOCH = 0;

    static final long U32_MAX = 0xffffffffL;
    static final int U16_MAX = 0xffff;

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    static int u16(ByteBuffer b, int pos) {
        return b.getShort(pos) & 0xffff;
    }

    static long u32(ByteBuffer b, int pos) {
        return b.getInt(pos) & U32_MAX;
    }

    /** One field of an extra block. */
    record ExtraField(int id, int offset, byte[] data) {}

    /**
     * Splits an extra block into fields, checking that every length stays inside the block.
     *
     * @param where entry name used in error messages
     * @param fileOffset file offset of the block's first byte, for error messages
     */
    static List<ExtraField> parseExtra(byte[] extra, String where, long fileOffset)
            throws FwZipException {
        List<ExtraField> out = new ArrayList<>();
        ByteBuffer b = le(extra);
        int p = 0;
        while (p < extra.length) {
            if (extra.length - p < 4) {
                throw new FwZipException(
                        Problem.MALFORMED,
                        where,
                        fileOffset + p,
                        "extra field header truncated (" + (extra.length - p) + " bytes left)");
            }
            int id = u16(b, p);
            int len = u16(b, p + 2);
            if (len > extra.length - p - 4) {
                throw new FwZipException(
                        Problem.MALFORMED,
                        where,
                        fileOffset + p,
                        String.format(
                                Locale.ROOT,
                                "extra field 0x%04x claims %d bytes but only %d remain",
                                id,
                                len,
                                extra.length - p - 4));
            }
            if (id == EXTRA_ZIP64) {
                throw new FwZipException(
                        Problem.ZIP64_UNSUPPORTED,
                        where,
                        fileOffset + p,
                        "ZIP64 extended information field found; ZIP64 archives are not supported");
            }
            byte[] data = new byte[len];
            System.arraycopy(extra, p + 4, data, 0, len);
            out.add(new ExtraField(id, p, data));
            p += 4 + len;
        }
        return out;
    }

    /** Decodes an entry name strictly as UTF-8 (ASCII names decode the same under CP437). */
    static String decodeName(byte[] raw, long offset) throws FwZipException {
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(raw))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new FwZipException(
                    Problem.BAD_ENTRY_NAME, null, offset, "entry name is not valid UTF-8");
        }
    }

    /**
     * Rejects names that could escape an extraction directory or confuse a device: empty names,
     * absolute paths, drive letters, backslashes, control characters, and empty, {@code .} or
     * {@code ..} segments.
     */
    static void checkEntryName(String name, long offset) throws FwZipException {
        String why = entryNameProblem(name);
        if (why != null) {
            throw new FwZipException(Problem.BAD_ENTRY_NAME, name, offset, why);
        }
    }

    static String entryNameProblem(String name) {
        if (name.isEmpty()) {
            return "empty entry name";
        }
        if (name.startsWith("/")) {
            return "absolute entry name";
        }
        if (name.indexOf('\\') >= 0) {
            return "entry name contains a backslash";
        }
        if (name.length() >= 2 && name.charAt(1) == ':') {
            return "entry name starts with a drive letter";
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                return "entry name contains a control character";
            }
        }
        String body = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        for (String seg : body.split("/", -1)) {
            if (seg.isEmpty()) {
                return "entry name has an empty path segment";
            }
            if (seg.equals(".") || seg.equals("..")) {
                return "entry name contains a '" + seg + "' segment";
            }
        }
        return null;
    }
}
