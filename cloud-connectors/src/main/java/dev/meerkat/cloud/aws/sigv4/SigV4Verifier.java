package dev.meerkat.cloud.aws.sigv4;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks AWS Signature Version 4 ({@code AWS4-HMAC-SHA256} in the Authorization header) against
 * configured access keys, failing closed: the credential scope must name today's date (of the
 * request), the configured region and an accepted service; {@code x-amz-date} must be within the
 * allowed skew; {@code host} and every {@code x-amz-*} header must be signed; the body must hash to
 * {@code x-amz-content-sha256} when that is sent (unsigned and streaming payloads are refused); the
 * signature is compared in constant time. Temporary (session-token) credentials are refused: only
 * the configured long-term keys exist here.
 */
public final class SigV4Verifier {

    /** AWS refuses requests more than 15 minutes off ("Signature expired"); so do we by default. */
    public static final Duration DEFAULT_MAX_SKEW = Duration.ofMinutes(15);

    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final Pattern AUTHORIZATION =
            Pattern.compile(
                    "AWS4-HMAC-SHA256 Credential=([^,\\s]+),\\s*SignedHeaders=([^,\\s]+),\\s*Signature=([0-9a-f]{64})");
    private static final Pattern SIGNED_HEADERS =
            Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+(;[a-z0-9!#$%&'*+.^_`|~-]+)*");
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final String INVALID = "InvalidSignatureException";
    private static final String INCOMPLETE = "IncompleteSignatureException";

    private final Map<String, AccessKey> keys;
    private final String region;
    private final Set<String> services;
    private final Clock clock;
    private final Duration maxSkew;

    /**
     * @param services signing names accepted, e.g. {@code iot} and {@code iot-jobs-data}; S3 is not
     *     among them (its single-encoded URIs and payload modes are not supported here)
     */
    public SigV4Verifier(
            List<AccessKey> keys,
            String region,
            Set<String> services,
            Clock clock,
            Duration maxSkew) {
        if (keys.isEmpty()) {
            throw new IllegalArgumentException("no access keys configured");
        }
        if (services.contains("s3")) {
            throw new IllegalArgumentException(
                    "S3 request signing is not supported by this verifier");
        }
        this.keys =
                keys.stream()
                        .collect(
                                java.util.stream.Collectors.toUnmodifiableMap(
                                        AccessKey::accessKeyId, k -> k));
        this.region = region;
        this.services = Set.copyOf(services);
        this.clock = clock;
        this.maxSkew = maxSkew;
    }

    public Verification verify(SignedRequest request) {
        String authorization = request.header("authorization");
        if (authorization == null) {
            return new Verification.Refused(
                    "MissingAuthenticationTokenException", "request is not signed");
        }
        Matcher m = AUTHORIZATION.matcher(authorization.trim());
        if (!m.matches()) {
            return refused(INCOMPLETE, "Authorization is not an " + ALGORITHM + " header");
        }
        String[] scope = m.group(1).split("/", -1);
        if (scope.length != 5 || !scope[4].equals("aws4_request")) {
            return refused(
                    INCOMPLETE,
                    "credential scope is not <key>/<date>/<region>/<service>/aws4_request");
        }
        AccessKey key = keys.get(scope[0]);
        if (key == null) {
            return new Verification.Refused("UnrecognizedClientException", "unknown access key");
        }
        if (!scope[2].equals(region)) {
            return refused(
                    INVALID, "credential scope names region " + scope[2] + ", expected " + region);
        }
        if (!services.contains(scope[3])) {
            return refused(
                    INVALID,
                    "credential scope names service " + scope[3] + ", expected one of " + services);
        }
        if (request.header("x-amz-security-token") != null) {
            return refused("UnrecognizedClientException", "temporary credentials are not accepted");
        }
        String amzDate = request.header("x-amz-date");
        Instant signedAt;
        try {
            signedAt =
                    amzDate == null
                            ? null
                            : LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException e) {
            signedAt = null;
        }
        if (signedAt == null) {
            return refused(INCOMPLETE, "x-amz-date is missing or not yyyyMMddTHHmmssZ");
        }
        if (!amzDate.startsWith(scope[1])) {
            return refused(INVALID, "credential scope date does not match x-amz-date");
        }
        if (Duration.between(signedAt, clock.instant()).abs().compareTo(maxSkew) > 0) {
            return refused(
                    INVALID,
                    "signature expired or not yet valid: x-amz-date is more than "
                            + maxSkew.toMinutes()
                            + " minutes from the server's clock");
        }
        String signedHeaderList = m.group(2);
        if (!SIGNED_HEADERS.matcher(signedHeaderList).matches()) {
            return refused(INCOMPLETE, "SignedHeaders is malformed");
        }
        List<String> signed = List.of(signedHeaderList.split(";"));
        if (!signed.equals(signed.stream().sorted().distinct().toList())) {
            return refused(INCOMPLETE, "SignedHeaders is not sorted and distinct");
        }
        if (!signed.contains("host")) {
            return refused(INVALID, "host header is not signed");
        }
        for (String name : request.headers().keySet()) {
            if (name.startsWith("x-amz-") && !signed.contains(name)) {
                return refused(INVALID, name + " is sent but not signed");
            }
        }
        String canonicalHeaders = SigV4Canonical.headers(request.headers(), signed);
        if (canonicalHeaders == null) {
            return refused(INVALID, "a signed header is missing from the request");
        }
        String bodyHash = HexFormat.of().formatHex(sha256(request.body()));
        String declared = request.header("x-amz-content-sha256");
        if (declared != null
                && !MessageDigest.isEqual(
                        declared.getBytes(StandardCharsets.US_ASCII),
                        bodyHash.getBytes(StandardCharsets.US_ASCII))) {
            return refused(
                    INVALID,
                    "body does not match x-amz-content-sha256 (unsigned or streaming payloads"
                            + " are not accepted)");
        }
        String canonicalRequest;
        try {
            canonicalRequest =
                    request.method()
                            + "\n"
                            + SigV4Canonical.uri(request.rawPath(), true)
                            + "\n"
                            + SigV4Canonical.query(request.rawQuery())
                            + "\n"
                            + canonicalHeaders
                            + "\n"
                            + signedHeaderList
                            + "\n"
                            + bodyHash;
        } catch (IllegalArgumentException e) {
            return refused(INVALID, "request path or query is not valid percent-encoding");
        }
        String credentialScope = scope[1] + "/" + scope[2] + "/" + scope[3] + "/aws4_request";
        String stringToSign =
                ALGORITHM
                        + "\n"
                        + amzDate
                        + "\n"
                        + credentialScope
                        + "\n"
                        + HexFormat.of()
                                .formatHex(
                                        sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        byte[] expected = signature(key, scope[1], scope[2], scope[3], stringToSign);
        byte[] given = HexFormat.of().parseHex(m.group(3));
        if (!MessageDigest.isEqual(expected, given)) {
            return refused(INVALID, "signature does not match");
        }
        return new Verification.Verified(key.accessKeyId(), key.principal(), scope[3]);
    }

    private static byte[] signature(
            AccessKey key, String date, String region, String service, String stringToSign) {
        byte[] seed = key.signingKeySeed();
        try {
            byte[] k = hmac(seed, date);
            k = hmac(k, region);
            k = hmac(k, service);
            k = hmac(k, "aws4_request");
            return hmac(k, stringToSign);
        } finally {
            Arrays.fill(seed, (byte) 0);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    private static Verification refused(String type, String reason) {
        return new Verification.Refused(type, reason);
    }
}
