package dev.meerkat.chip.atcacert;

import dev.meerkat.chip.jca.EcKeys;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Certificate;
import org.bouncycastle.asn1.x509.TBSCertificate;

/**
 * How to rebuild a full X.509 certificate from a template, a {@link CompressedCert} and data the
 * device holds (its public key, serial number, the signer's public key): Microchip's atcacert
 * "certificate definition". The template is the to-be-signed part of a certificate of the same
 * profile; each variable element has a fixed place and length in it:
 *
 * <ul>
 *   <li>serial number (from {@link #snSource()}), issue and expiry dates (UTCTime or
 *       GeneralizedTime, as in the template);
 *   <li>subject public key X||Y, subject key identifier (SHA-1 of 04||X||Y), authority key
 *       identifier (SHA-1 of the signer's key; device certificates only);
 *   <li>signer ID as four hex digits in the issuer (device) or subject (signer) CN;
 *   <li>device certificates: the chip's serial number as 18 hex digits in the subject CN.
 * </ul>
 *
 * The certificate is then {@code SEQUENCE { tbs, ecdsa-with-SHA256, BIT STRING(DER(r, s)) }}, so
 * the signature's variable DER length needs no place in the template.
 */
public final class CertDefinition {
    /** What the certificate certifies. */
    public enum Kind {
        DEVICE,
        SIGNER
    }

    /** A place in the template: byte offset and length. */
    public record Location(int offset, int length) {
        static final Location NONE = new Location(-1, 0);

        boolean present() {
            return offset >= 0;
        }
    }

    private final Kind kind;
    private final int templateId;
    private final int chainId;
    private final SnSource snSource;
    private final int expireYears;
    private final byte[] tbsTemplate;
    private final ASN1Encodable signatureAlgorithm;
    private final Location serial;
    private final Location issueDate;
    private final Location expireDate;
    private final Location publicKey;
    private final Location subjectKeyId;
    private final Location authorityKeyId;
    private final Location signerIdHex;
    private final Location deviceSnHex;

    private CertDefinition(
            Kind kind,
            int templateId,
            int chainId,
            SnSource snSource,
            int expireYears,
            byte[] tbsTemplate,
            ASN1Encodable signatureAlgorithm,
            Location serial,
            Location issueDate,
            Location expireDate,
            Location publicKey,
            Location subjectKeyId,
            Location authorityKeyId,
            Location signerIdHex,
            Location deviceSnHex) {
        this.kind = kind;
        this.templateId = templateId;
        this.chainId = chainId;
        this.snSource = snSource;
        this.expireYears = expireYears;
        this.tbsTemplate = tbsTemplate;
        this.signatureAlgorithm = signatureAlgorithm;
        this.serial = serial;
        this.issueDate = issueDate;
        this.expireDate = expireDate;
        this.publicKey = publicKey;
        this.subjectKeyId = subjectKeyId;
        this.authorityKeyId = authorityKeyId;
        this.signerIdHex = signerIdHex;
        this.deviceSnHex = deviceSnHex;
    }

    /**
     * A definition whose template is taken from an issued certificate of the profile. Device
     * certificates carry the chip serial number (hex) as subject CN and the signer ID (four hex
     * digits) at the end of the issuer CN; signer certificates the signer ID at the end of their
     * own CN. The serial number must follow {@link SnSource#PUB_KEY_HASH}. The template is checked
     * by compressing and rebuilding it.
     */
    public static CertDefinition fromCertificate(
            Kind kind, byte[] certDer, int templateId, int chainId) {
        Certificate cert = Certificate.getInstance(certDer);
        TBSCertificate tbs = cert.getTBSCertificate();
        byte[] t = encode(tbs);
        byte[] xy = rawKey(tbs.getSubjectPublicKeyInfo().getPublicKeyData().getOctets());
        Location serialLoc = unique(t, unsigned(tbs.getSerialNumber().getValue()));
        Location nb = unique(t, timeText(tbs.getStartDate().toASN1Primitive()));
        Location na = unique(t, timeText(tbs.getEndDate().toASN1Primitive()));
        Instant issue = tbs.getStartDate().getDate().toInstant();
        Instant expire = tbs.getEndDate().getDate().toInstant();
        int years =
                expire.equals(CompressedCert.MAX_DATE)
                        ? 0
                        : LocalDateTime.ofInstant(expire, ZoneOffset.UTC).getYear()
                                - LocalDateTime.ofInstant(issue, ZoneOffset.UTC).getYear();
        Location pk = unique(t, xy);
        Location ski = unique(t, sha1Key(xy));
        Location aki = Location.NONE;
        Location signerHex;
        Location snHex = Location.NONE;
        if (kind == Kind.DEVICE) {
            AuthorityKeyIdentifier a = AuthorityKeyIdentifier.fromExtensions(tbs.getExtensions());
            if (a == null || a.getKeyIdentifier() == null)
                throw new IllegalArgumentException("device certificate lacks an AKI");
            aki = unique(t, a.getKeyIdentifier());
            String cn = cn(tbs.getSubject().toString());
            snHex = unique(t, cn.getBytes(StandardCharsets.US_ASCII));
            if (snHex.length() != 18)
                throw new IllegalArgumentException(
                        "device CN must be the 18-digit chip serial number");
            signerHex = tail(t, cn(tbs.getIssuer().toString()), "issuer");
        } else {
            signerHex = tail(t, cn(tbs.getSubject().toString()), "subject");
        }
        CertDefinition def =
                new CertDefinition(
                        kind,
                        templateId,
                        chainId,
                        SnSource.PUB_KEY_HASH,
                        years,
                        t,
                        cert.getSignatureAlgorithm(),
                        serialLoc,
                        nb,
                        na,
                        pk,
                        ski,
                        aki,
                        signerHex,
                        snHex);
        // The template must follow the rules: rebuilding it from its own compressed form gives it
        // back.
        CompressedCert c = def.compress(certDer);
        if (kind == Kind.SIGNER && !Arrays.equals(def.rebuild(c, xy, null, null), certDer)) {
            throw new IllegalArgumentException(
                    "the signer certificate does not rebuild from its compressed form");
        }
        if (!Arrays.equals(Arrays.copyOfRange(t, ski.offset(), ski.offset() + 20), sha1Key(xy))) {
            throw new IllegalArgumentException("SKI is not SHA-1 of the public key");
        }
        return def;
    }

    public Kind kind() {
        return kind;
    }

    public int templateId() {
        return templateId;
    }

    public int chainId() {
        return chainId;
    }

    public SnSource snSource() {
        return snSource;
    }

    public int expireYears() {
        return expireYears;
    }

    public byte[] tbsTemplate() {
        return tbsTemplate.clone();
    }

    /** The compressed form of a certificate of this definition's profile. */
    public CompressedCert compress(byte[] certDer) {
        Certificate cert = Certificate.getInstance(certDer);
        TBSCertificate tbs = cert.getTBSCertificate();
        byte[] t = encode(tbs);
        if (t.length != tbsTemplate.length)
            throw new IllegalArgumentException("certificate does not fit the template (length)");
        Instant issue = tbs.getStartDate().getDate().toInstant();
        byte[] dates = CompressedCert.encodeDates(issue, expireYears);
        int signerId =
                Integer.parseInt(
                        new String(t, signerIdHex.offset(), 4, StandardCharsets.US_ASCII), 16);
        byte[] rs = EcKeys.derToRaw(cert.getSignature().getOctets());
        CompressedCert c = new CompressedCert(rs, dates, signerId, templateId, chainId, snSource);
        if (!c.expireDate().equals(tbs.getEndDate().getDate().toInstant())) {
            throw new IllegalArgumentException(
                    "expiry is not " + expireYears + " years after issue");
        }
        return c;
    }

    /**
     * The full DER certificate. {@code publicKey} is the subject's X||Y; {@code deviceSn} the
     * chip's nine-byte serial number (device certificates); {@code signerPublicKey} the signer's
     * X||Y (device certificates, for the AKI).
     */
    public byte[] rebuild(
            CompressedCert c, byte[] publicKey, byte[] deviceSn, byte[] signerPublicKey) {
        if (publicKey.length != 64)
            throw new IllegalArgumentException("public key is X||Y, 64 bytes");
        byte[] t = tbsTemplate.clone();
        put(t, issueDate, timeText(c.issueDate(), issueDate.length()));
        put(t, expireDate, timeText(c.expireDate(), expireDate.length()));
        put(t, serial, serialNumber(c, publicKey, deviceSn));
        put(t, publicKey(), publicKey);
        put(t, subjectKeyId, sha1Key(publicKey));
        put(
                t,
                signerIdHex,
                String.format("%04X", c.signerId()).getBytes(StandardCharsets.US_ASCII));
        if (kind == Kind.DEVICE) {
            if (deviceSn == null || deviceSn.length != 9)
                throw new IllegalArgumentException("device serial number is 9 bytes");
            if (signerPublicKey == null)
                throw new IllegalArgumentException("the signer's public key is needed for the AKI");
            put(
                    t,
                    deviceSnHex,
                    HexFormat.of()
                            .withUpperCase()
                            .formatHex(deviceSn)
                            .getBytes(StandardCharsets.US_ASCII));
            put(t, authorityKeyId, sha1Key(signerPublicKey));
        }
        try {
            DERSequence cert =
                    new DERSequence(
                            new ASN1Encodable[] {
                                ASN1Primitive.fromByteArray(t),
                                signatureAlgorithm,
                                new DERBitString(EcKeys.rawToDer(c.signature()))
                            });
            return cert.getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Location publicKey() {
        return publicKey;
    }

    private byte[] serialNumber(CompressedCert c, byte[] publicKeyXy, byte[] deviceSn) {
        byte[] sn;
        switch (c.snSource()) {
            case PUB_KEY_HASH, DEVICE_SN_HASH -> {
                MessageDigest sha = sha("SHA-256");
                sha.update(c.snSource() == SnSource.PUB_KEY_HASH ? publicKeyXy : deviceSn);
                sha.update(c.encodedDates());
                sn = Arrays.copyOf(sha.digest(), serial.length());
                sn[0] = (byte) ((sn[0] & 0x7F) | 0x40);
            }
            case DEVICE_SN -> {
                sn = new byte[10];
                sn[0] = 0x40;
                System.arraycopy(deviceSn, 0, sn, 1, 9);
            }
            case SIGNER_ID ->
                    sn = new byte[] {0x40, (byte) (c.signerId() >>> 8), (byte) c.signerId()};
            default ->
                    throw new IllegalArgumentException(
                            "serial number source " + c.snSource() + " needs device storage");
        }
        if (sn.length != serial.length())
            throw new IllegalArgumentException("serial number length differs from the template");
        return sn;
    }

    // ------------------------------------------------------------------ helpers

    private static byte[] encode(ASN1Encodable o) {
        try {
            return o.toASN1Primitive().getEncoded(ASN1Encoding.DER);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void put(byte[] t, Location l, byte[] v) {
        if (!l.present()) return;
        if (v.length != l.length())
            throw new IllegalArgumentException(
                    "element of " + v.length + " bytes for a place of " + l.length());
        System.arraycopy(v, 0, t, l.offset(), v.length);
    }

    private static Location unique(byte[] hay, byte[] needle) {
        int found = -1;
        for (int i = 0; i + needle.length <= hay.length; i++) {
            if (Arrays.equals(hay, i, i + needle.length, needle, 0, needle.length)) {
                if (found >= 0)
                    throw new IllegalArgumentException("element occurs twice in the template");
                found = i;
            }
        }
        if (found < 0) throw new IllegalArgumentException("element not found in the template");
        return new Location(found, needle.length);
    }

    /** The last four characters of a CN (the signer ID in hex), located in the template. */
    private static Location tail(byte[] t, String cn, String where) {
        if (cn.length() < 4 || !cn.substring(cn.length() - 4).matches("[0-9A-F]{4}")) {
            throw new IllegalArgumentException(
                    "the " + where + " CN must end with the signer ID in 4 hex digits: " + cn);
        }
        Location whole = unique(t, cn.getBytes(StandardCharsets.US_ASCII));
        return new Location(whole.offset() + whole.length() - 4, 4);
    }

    private static String cn(String rfc2253) {
        for (String part : rfc2253.split(",")) {
            if (part.startsWith("CN=")) return part.substring(3);
        }
        throw new IllegalArgumentException("no CN in " + rfc2253);
    }

    private static byte[] timeText(ASN1Primitive time) {
        byte[] enc = encode(time);
        return Arrays.copyOfRange(enc, 2, enc.length);
    }

    private static byte[] timeText(Instant t, int length) {
        String pattern = length == 13 ? "yyMMddHHmmss'Z'" : "yyyyMMddHHmmss'Z'";
        LocalDateTime d = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
        if (length == 13 && (d.getYear() < 1950 || d.getYear() > 2049)) {
            throw new IllegalArgumentException(
                    "date " + t + " does not fit the template's UTCTime");
        }
        return DateTimeFormatter.ofPattern(pattern).format(d).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] rawKey(byte[] point) {
        if (point.length != 65 || point[0] != 4)
            throw new IllegalArgumentException("not an uncompressed P-256 point");
        return Arrays.copyOfRange(point, 1, 65);
    }

    static byte[] sha1Key(byte[] xy) {
        MessageDigest sha1 = sha("SHA-1");
        sha1.update((byte) 4);
        sha1.update(xy);
        return sha1.digest();
    }

    private static MessageDigest sha(String alg) {
        try {
            return MessageDigest.getInstance(alg);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] unsigned(BigInteger v) {
        byte[] b = v.toByteArray();
        return b.length > 1 && b[0] == 0 ? Arrays.copyOfRange(b, 1, b.length) : b;
    }
}
