package dev.meerkat.cloud.aws.sdk;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Uploads a release artefact (signed image, fw.zip) to S3: one PUT below the multipart threshold,
 * otherwise a multipart upload that is aborted if any part fails (no half-written object is left
 * billed or visible). Every PUT and part carries its SHA-256 checksum for S3 to verify; the whole
 * file's SHA-256 is stored as {@code x-amz-meta-sha256} and checked back with a HEAD. Returns the
 * object URL and a presigned GET URL.
 */
public final class S3Publisher {

    /** S3's smallest part (except the last) is 5 MiB. */
    public static final long MIN_PART = 5L << 20;

    /** S3 presigned URLs signed with SigV4 live at most 7 days. */
    public static final Duration MAX_PRESIGN = Duration.ofDays(7);

    public static final String SHA256_META = "sha256";

    private final S3Client s3;
    private final S3Presigner presigner;
    private final Clock clock;
    private final long partSize;

    public S3Publisher(S3Client s3, S3Presigner presigner, Clock clock, long partSize) {
        if (partSize < MIN_PART) {
            throw new IllegalArgumentException("part size must be at least 5 MiB");
        }
        this.s3 = s3;
        this.presigner = presigner;
        this.clock = clock;
        this.partSize = partSize;
    }

    /**
     * @param progress receives the number of bytes sent so far
     */
    public PublishedObject publish(
            Path file,
            String bucket,
            String key,
            String contentType,
            Duration presignFor,
            LongConsumer progress)
            throws IOException {
        if (presignFor.isNegative()
                || presignFor.isZero()
                || presignFor.compareTo(MAX_PRESIGN) > 0) {
            throw new IllegalArgumentException(
                    "presigned URL lifetime must be between 1 s and 7 days");
        }
        long size = Files.size(file);
        String sha256 = HexFormat.of().formatHex(digest(file, 0, size));
        Map<String, String> meta = Map.of(SHA256_META, sha256);
        int parts;
        if (size <= partSize) {
            parts = 1;
            s3.putObject(
                    b ->
                            b.bucket(bucket)
                                    .key(key)
                                    .contentType(contentType)
                                    .metadata(meta)
                                    .checksumAlgorithm(ChecksumAlgorithm.SHA256)
                                    .checksumSHA256(
                                            Base64.getEncoder()
                                                    .encodeToString(
                                                            HexFormat.of().parseHex(sha256))),
                    body(file, 0, size, 0, progress));
        } else {
            parts = multipart(file, size, bucket, key, contentType, meta, progress);
        }
        HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(key));
        if (head.contentLength() != size || !sha256.equals(head.metadata().get(SHA256_META))) {
            throw new IOException(
                    "s3://"
                            + bucket
                            + "/"
                            + key
                            + " does not hold what was uploaded (size "
                            + head.contentLength()
                            + " of "
                            + size
                            + ")");
        }
        var presigned =
                presigner.presignGetObject(
                        p ->
                                p.signatureDuration(presignFor)
                                        .getObjectRequest(g -> g.bucket(bucket).key(key)));
        return new PublishedObject(
                bucket,
                key,
                size,
                sha256,
                head.eTag(),
                s3.utilities().getUrl(u -> u.bucket(bucket).key(key)),
                presigned.url(),
                clock.instant().plus(presignFor),
                parts);
    }

    private int multipart(
            Path file,
            long size,
            String bucket,
            String key,
            String contentType,
            Map<String, String> meta,
            LongConsumer progress)
            throws IOException {
        String uploadId =
                s3.createMultipartUpload(
                                b ->
                                        b.bucket(bucket)
                                                .key(key)
                                                .contentType(contentType)
                                                .metadata(meta)
                                                .checksumAlgorithm(ChecksumAlgorithm.SHA256))
                        .uploadId();
        try {
            List<CompletedPart> done = new ArrayList<>();
            int number = 1;
            for (long offset = 0; offset < size; offset += partSize, number++) {
                long length = Math.min(partSize, size - offset);
                String checksum = Base64.getEncoder().encodeToString(digest(file, offset, length));
                int n = number;
                UploadPartResponse r =
                        s3.uploadPart(
                                b ->
                                        b.bucket(bucket)
                                                .key(key)
                                                .uploadId(uploadId)
                                                .partNumber(n)
                                                .contentLength(length)
                                                .checksumAlgorithm(ChecksumAlgorithm.SHA256)
                                                .checksumSHA256(checksum),
                                body(file, offset, length, offset, progress));
                done.add(
                        CompletedPart.builder()
                                .partNumber(n)
                                .eTag(r.eTag())
                                .checksumSHA256(r.checksumSHA256())
                                .build());
            }
            s3.completeMultipartUpload(
                    b ->
                            b.bucket(bucket)
                                    .key(key)
                                    .uploadId(uploadId)
                                    .multipartUpload(m -> m.parts(done)));
            return done.size();
        } catch (RuntimeException | IOException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
            } catch (RuntimeException abort) {
                e.addSuppressed(abort);
            }
            throw e;
        }
    }

    private static RequestBody body(
            Path file, long offset, long length, long before, LongConsumer progress) {
        return RequestBody.fromContentProvider(
                () -> {
                    try {
                        InputStream in = Files.newInputStream(file);
                        in.skipNBytes(offset);
                        return new Counting(in, length, before, progress);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                },
                length,
                "application/octet-stream");
    }

    private static byte[] digest(Path file, long offset, long length) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(offset);
            byte[] buf = new byte[1 << 16];
            long left = length;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException(file + " shrank while it was being read");
                }
                md.update(buf, 0, n);
                left -= n;
            }
        }
        return md.digest();
    }

    /** Reads at most {@code length} bytes and reports the running total. */
    private static final class Counting extends FilterInputStream {
        private final long before;
        private final LongConsumer progress;
        private long left;
        private long read;

        Counting(InputStream in, long length, long before, LongConsumer progress) {
            super(in);
            this.left = length;
            this.before = before;
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
                read += n;
                progress.accept(before + read);
            }
            return n;
        }
    }
}
