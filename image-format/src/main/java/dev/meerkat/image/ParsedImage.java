package dev.meerkat.image;

import dev.meerkat.image.ImageFormatException.Problem;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The structure of an MCUboot image: header and TLV areas, bounds-checked against the real size of
 * the source. Parsing allocates at most 64 KiB (a TLV area's u16 length) whatever the input claims.
 * No cryptography happens here; see {@link ImageVerifier}.
 */
public record ParsedImage(
        ImageHeader header,
        List<TlvEntry> protectedTlvs,
        List<TlvEntry> tlvs,
        int unprotectedTlvTotal,
        long end,
        long sourceSize) {

    public ParsedImage {
        protectedTlvs = List.copyOf(protectedTlvs);
        tlvs = List.copyOf(tlvs);
    }

    public static ParsedImage parse(ImageSource src) throws ImageFormatException {
        try {
            return parseUnchecked(src);
        } catch (EOFException e) {
            throw new ImageFormatException(
                    Problem.TRUNCATED, -1, "unexpected end of image: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ImageFormatException(
                    Problem.IO, -1, "cannot read image: " + e.getMessage(), e);
        }
    }

    /**
     * Header and protected TLVs only, for the checks an updater makes while the rest of the image
     * is still arriving: {@code src} needs to hold the hashed part ({@link
     * ImageHeader#hashedLength()}). The result has no unprotected TLVs and ends at the hashed
     * length.
     */
    public static ParsedImage parseHashedPart(ImageSource src) throws ImageFormatException {
        try {
            long size = src.size();
            byte[] raw = new byte[ImageHeader.SIZE];
            if (size < raw.length) {
                throw new ImageFormatException(
                        Problem.TRUNCATED,
                        0,
                        "image is " + size + " bytes, shorter than the 32-byte header");
            }
            src.read(0, raw, 0, raw.length);
            ImageHeader h = ImageHeader.decode(raw);
            if (h.hashedLength() > size) {
                throw new ImageFormatException(
                        Problem.TRUNCATED,
                        12,
                        "the hashed part of "
                                + h.hashedLength()
                                + " bytes goes beyond the "
                                + size
                                + " bytes available");
            }
            List<TlvEntry> prot =
                    h.protectedTlvSize() > 0
                            ? readArea(
                                    src,
                                    h.tlvOffset(),
                                    size,
                                    TlvType.PROTECTED_INFO_MAGIC,
                                    h.protectedTlvSize(),
                                    true)
                            : List.of();
            return new ParsedImage(h, prot, List.of(), 0, h.hashedLength(), size);
        } catch (EOFException e) {
            throw new ImageFormatException(
                    Problem.TRUNCATED, -1, "unexpected end of image: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ImageFormatException(
                    Problem.IO, -1, "cannot read image: " + e.getMessage(), e);
        }
    }

    private static ParsedImage parseUnchecked(ImageSource src)
            throws IOException, ImageFormatException {
        long size = src.size();
        if (size < ImageHeader.SIZE) {
            throw new ImageFormatException(
                    Problem.TRUNCATED,
                    0,
                    "image is " + size + " bytes, shorter than the 32-byte header");
        }
        byte[] raw = new byte[ImageHeader.SIZE];
        src.read(0, raw, 0, raw.length);
        ImageHeader h = ImageHeader.decode(raw);
        if (h.headerSize() > size) {
            throw new ImageFormatException(
                    Problem.TRUNCATED,
                    8,
                    "hdr_size "
                            + h.headerSize()
                            + " goes beyond the end of the "
                            + size
                            + "-byte image");
        }
        long tlvOff = h.tlvOffset();
        if (tlvOff + 4 > size) {
            throw new ImageFormatException(
                    Problem.TRUNCATED,
                    12,
                    "img_size "
                            + h.imageSize()
                            + " puts the TLV area at "
                            + tlvOff
                            + ", beyond the end of the "
                            + size
                            + "-byte image");
        }
        List<TlvEntry> prot = List.of();
        if (h.protectedTlvSize() > 0) {
            prot =
                    readArea(
                            src,
                            tlvOff,
                            size,
                            TlvType.PROTECTED_INFO_MAGIC,
                            h.protectedTlvSize(),
                            true);
        } else if (readU16(src, tlvOff) == TlvType.PROTECTED_INFO_MAGIC) {
            throw new ImageFormatException(
                    Problem.BAD_TLV_AREA,
                    tlvOff,
                    "a protected TLV area is present but protect_tlv_size in the header is 0");
        }
        long unprotOff = tlvOff + h.protectedTlvSize();
        if (unprotOff + 4 > size) {
            throw new ImageFormatException(
                    Problem.TRUNCATED,
                    unprotOff,
                    "TLV area info header is missing (image ends at " + size + ")");
        }
        int total = readU16(src, unprotOff + 2);
        List<TlvEntry> tlvs = readArea(src, unprotOff, size, TlvType.INFO_MAGIC, -1, false);
        return new ParsedImage(h, prot, tlvs, total, unprotOff + total, size);
    }

    private static int readU16(ImageSource src, long off) throws IOException {
        byte[] b = new byte[2];
        src.read(off, b, 0, 2);
        return (b[0] & 0xFF) | (b[1] & 0xFF) << 8;
    }

    private static List<TlvEntry> readArea(
            ImageSource src, long off, long size, int magic, int expectedTotal, boolean isProtected)
            throws IOException, ImageFormatException {
        String what = isProtected ? "protected TLV area" : "TLV area";
        byte[] info = new byte[TlvArea.INFO_SIZE];
        src.read(off, info, 0, info.length);
        int m = TlvArea.magic(info);
        int total = TlvArea.total(info);
        if (m != magic) {
            throw new ImageFormatException(
                    Problem.BAD_TLV_AREA,
                    off,
                    String.format("%s magic is 0x%04x, expected 0x%04x", what, m, magic));
        }
        if (expectedTotal >= 0 && total != expectedTotal) {
            throw new ImageFormatException(
                    Problem.BAD_TLV_AREA,
                    off + 2,
                    what
                            + " length "
                            + total
                            + " disagrees with protect_tlv_size "
                            + expectedTotal
                            + " in the header");
        }
        if (total < TlvArea.INFO_SIZE) {
            throw new ImageFormatException(
                    Problem.BAD_TLV_AREA, off + 2, what + " length " + total + " is below 4");
        }
        if (off + total > size) {
            throw new ImageFormatException(
                    Problem.TRUNCATED,
                    off + 2,
                    what
                            + " of "
                            + total
                            + " bytes goes beyond the end of the "
                            + size
                            + "-byte image");
        }
        byte[] area = new byte[total - TlvArea.INFO_SIZE];
        src.read(off + TlvArea.INFO_SIZE, area, 0, area.length);
        return TlvArea.decodeEntries(area, off + TlvArea.INFO_SIZE, isProtected, what);
    }

    /** All TLVs, protected first, in image order. */
    public List<TlvEntry> allTlvs() {
        List<TlvEntry> all = new ArrayList<>(protectedTlvs);
        all.addAll(tlvs);
        return all;
    }

    /** The protected SEC_CNT value, if the image has one. */
    public OptionalLong securityCounter() throws ImageFormatException {
        OptionalLong counter = OptionalLong.empty();
        for (TlvEntry e : protectedTlvs) {
            if (e.type() != TlvType.SEC_CNT) continue;
            if (e.tlv().length() != 4 || counter.isPresent()) {
                throw new ImageFormatException(
                        Problem.BAD_TLV, e.offset(), "SEC_CNT must appear once with 4 bytes");
            }
            byte[] v = e.tlv().value();
            counter =
                    OptionalLong.of(
                            (v[0] & 0xFFL)
                                    | (v[1] & 0xFFL) << 8
                                    | (v[2] & 0xFFL) << 16
                                    | (v[3] & 0xFFL) << 24);
        }
        return counter;
    }

    /** The protected DEPENDENCY TLVs. */
    public List<Dependency> dependencies() throws ImageFormatException {
        List<Dependency> deps = new ArrayList<>();
        for (TlvEntry e : protectedTlvs) {
            if (e.type() != TlvType.DEPENDENCY) continue;
            if (e.tlv().length() != 12) {
                throw new ImageFormatException(
                        Problem.BAD_TLV,
                        e.offset(),
                        "DEPENDENCY must be 12 bytes, is " + e.tlv().length());
            }
            deps.add(Dependency.decode(e.tlv().value()));
        }
        return deps;
    }

    public Optional<TlvEntry> first(int type) {
        return allTlvs().stream().filter(t -> t.type() == type).findFirst();
    }
}
