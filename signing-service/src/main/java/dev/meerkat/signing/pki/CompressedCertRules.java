package dev.meerkat.signing.pki;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;

/**
 * What a certificate must look like to fit Microchip's 72-byte compressed form (format version 0):
 * issue date cut to the hour with a year from 2000 to 2031, expiry a whole number of years later
 * (or the maximum date), and the serial number derived from the public key and the encoded dates
 * (source "public key hash"). The chip-side counterpart lives in the driver module.
 */
public final class CompressedCertRules {
    /** The certificate validity that stands for "no expiry". */
    public static final Instant MAX_DATE = Instant.parse("9999-12-31T23:59:59Z");

    private CompressedCertRules() {}

    public static Instant issueDate(Instant now) {
        Instant t = now.truncatedTo(ChronoUnit.HOURS);
        LocalDateTime d = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
        if (d.getMonthValue() == 2 && d.getDayOfMonth() == 29) {
            // the expiry repeats month and day: stay clear of leap days
            t = d.withDayOfMonth(28).withHour(23).toInstant(ZoneOffset.UTC);
        }
        int year = LocalDateTime.ofInstant(t, ZoneOffset.UTC).getYear();
        if (year < 2000 || year > 2031)
            throw new IllegalStateException("compressed certificates encode years 2000-2031");
        return t;
    }

    public static Instant expiry(Instant issue, int years) {
        if (years < 0 || years > 31)
            throw new IllegalArgumentException("validity must be 0-31 years");
        if (years == 0) return MAX_DATE;
        return LocalDateTime.ofInstant(issue, ZoneOffset.UTC)
                .plusYears(years)
                .toInstant(ZoneOffset.UTC);
    }

    /** The three bytes year(5) month(4) day(5) hour(5) expire-years(5). */
    public static byte[] encodeDates(Instant issue, int expireYears) {
        LocalDateTime d = LocalDateTime.ofInstant(issue, ZoneOffset.UTC);
        int v =
                (d.getYear() - 2000) << 19
                        | d.getMonthValue() << 15
                        | d.getDayOfMonth() << 10
                        | d.getHour() << 5
                        | expireYears;
        return new byte[] {(byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** 16-byte serial: SHA-256(X||Y || encoded dates), top bits 01. */
    public static byte[] serialNumber(byte[] publicKeyXy, byte[] encodedDates) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(publicKeyXy);
            sha.update(encodedDates);
            byte[] sn = Arrays.copyOf(sha.digest(), 16);
            sn[0] = (byte) ((sn[0] & 0x7F) | 0x40);
            return sn;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
