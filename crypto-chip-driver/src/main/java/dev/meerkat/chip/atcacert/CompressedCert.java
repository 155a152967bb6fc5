package dev.meerkat.chip.atcacert;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;

/**
 * Microchip's 72-byte compressed certificate (format version 0), as stored in a slot of an
 * ATECC508A/608:
 *
 * <pre>
 *   0-63  signature r||s
 *   64-66 encoded dates: year-2000 (5 bits) | month (4) | day (5) | hour (5) | expire years (5)
 *   67-68 signer ID, big endian
 *   69    template ID (high nibble) | chain ID (low nibble)
 *   70    serial number source (high nibble) | format version (low nibble, 0)
 *   71    reserved, 0
 * </pre>
 *
 * Minutes and seconds of the issue date are zero; the expiry is the issue date plus the expire
 * years, or, with 0 years, the maximum date 9999-12-31T23:59:59Z.
 */
public record CompressedCert(
        byte[] signature,
        byte[] encodedDates,
        int signerId,
        int templateId,
        int chainId,
        SnSource snSource) {
    public static final int SIZE = 72;
    public static final Instant MAX_DATE = Instant.parse("9999-12-31T23:59:59Z");

    public CompressedCert {
        if (signature.length != 64)
            throw new IllegalArgumentException("signature is r||s, 64 bytes");
        if (encodedDates.length != 3)
            throw new IllegalArgumentException("encoded dates are 3 bytes");
        if (signerId < 0 || signerId > 0xFFFF)
            throw new IllegalArgumentException("signer ID is 16 bits");
        if (templateId < 0 || templateId > 15 || chainId < 0 || chainId > 15) {
            throw new IllegalArgumentException("template and chain IDs are 4 bits");
        }
        signature = signature.clone();
        encodedDates = encodedDates.clone();
    }

    public static CompressedCert parse(byte[] b) {
        if (b.length < SIZE)
            throw new IllegalArgumentException(
                    "a compressed certificate is 72 bytes, got " + b.length);
        int format = b[70] & 0x0F;
        if (format != 0)
            throw new IllegalArgumentException(
                    "compressed certificate format version " + format + " is not supported");
        return new CompressedCert(
                Arrays.copyOfRange(b, 0, 64),
                Arrays.copyOfRange(b, 64, 67),
                (b[67] & 0xFF) << 8 | (b[68] & 0xFF),
                (b[69] & 0xFF) >>> 4,
                b[69] & 0x0F,
                SnSource.of((b[70] & 0xFF) >>> 4));
    }

    public byte[] toBytes() {
        byte[] b = new byte[SIZE];
        System.arraycopy(signature, 0, b, 0, 64);
        System.arraycopy(encodedDates, 0, b, 64, 3);
        b[67] = (byte) (signerId >>> 8);
        b[68] = (byte) signerId;
        b[69] = (byte) (templateId << 4 | chainId);
        b[70] = (byte) (snSource.code() << 4);
        return b;
    }

    public Instant issueDate() {
        int v =
                (encodedDates[0] & 0xFF) << 16
                        | (encodedDates[1] & 0xFF) << 8
                        | (encodedDates[2] & 0xFF);
        return LocalDateTime.of(
                        2000 + (v >>> 19), (v >>> 15) & 0xF, (v >>> 10) & 0x1F, (v >>> 5) & 0x1F, 0)
                .toInstant(ZoneOffset.UTC);
    }

    public int expireYears() {
        return encodedDates[2] & 0x1F;
    }

    public Instant expireDate() {
        int years = expireYears();
        return years == 0
                ? MAX_DATE
                : LocalDateTime.ofInstant(issueDate(), ZoneOffset.UTC)
                        .plusYears(years)
                        .toInstant(ZoneOffset.UTC);
    }

    /** Encodes an issue date (whole hours, 2000-2031) and an expire-years count (0-31). */
    public static byte[] encodeDates(Instant issue, int expireYears) {
        LocalDateTime d = LocalDateTime.ofInstant(issue, ZoneOffset.UTC);
        if (d.getMinute() != 0 || d.getSecond() != 0 || d.getNano() != 0) {
            throw new IllegalArgumentException("issue date " + issue + " is not a whole hour");
        }
        if (d.getYear() < 2000 || d.getYear() > 2031)
            throw new IllegalArgumentException("issue year outside 2000-2031");
        if (expireYears < 0 || expireYears > 31)
            throw new IllegalArgumentException("expire years outside 0-31");
        int v =
                (d.getYear() - 2000) << 19
                        | d.getMonthValue() << 15
                        | d.getDayOfMonth() << 10
                        | d.getHour() << 5
                        | expireYears;
        return new byte[] {(byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CompressedCert c && Arrays.equals(toBytes(), c.toBytes());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(toBytes());
    }
}
