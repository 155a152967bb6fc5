package dev.meerkat.fleet.release;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadBucketRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.GetObjectPresignRequest;

/**
 * Objects in an S3-compatible bucket through the AWS SDK v2 (any endpoint, path-style addressing).
 * Checksums only when the protocol requires them: third-party stores disagree on the SDK's default
 * CRC32 trailers.
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {
    private final S3Client s3;
    private final S3Presigner presigner;
    private final String bucket;
    private final Duration ttl;

    public S3ObjectStore(
            Optional<String> endpoint,
            String region,
            String bucket,
            Optional<String> accessKey,
            Optional<String> secretKey,
            Duration ttl) {
        AwsCredentialsProvider creds =
                accessKey.isPresent() && secretKey.isPresent()
                        ? StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(accessKey.get(), secretKey.get()))
                        : DefaultCredentialsProvider.builder().build();
        S3Configuration pathStyle = S3Configuration.builder().pathStyleAccessEnabled(true).build();
        var b =
                S3Client.builder()
                        .region(Region.of(region))
                        .credentialsProvider(creds)
                        .httpClient(UrlConnectionHttpClient.create())
                        .serviceConfiguration(pathStyle)
                        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        var p =
                S3Presigner.builder()
                        .region(Region.of(region))
                        .credentialsProvider(creds)
                        .serviceConfiguration(pathStyle);
        endpoint.map(URI::create)
                .ifPresent(
                        u -> {
                            b.endpointOverride(u);
                            p.endpointOverride(u);
                        });
        this.s3 = b.build();
        this.presigner = p.build();
        this.bucket = bucket;
        this.ttl = ttl;
    }

    @Override
    public void put(String key, Path file) throws IOException {
        try {
            s3.putObject(
                    PutObjectRequest.builder()
                            .bucket(bucket)
                            .key(key)
                            .contentType("application/octet-stream")
                            .build(),
                    RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw failure(e);
        }
    }

    @Override
    public InputStream read(String key, long from, long length) throws IOException {
        try {
            return s3.getObject(
                    GetObjectRequest.builder()
                            .bucket(bucket)
                            .key(key)
                            .range("bytes=" + from + "-" + (from + length - 1))
                            .build());
        } catch (SdkException e) {
            throw failure(e);
        }
    }

    @Override
    public Optional<URI> presign(String key) {
        var req =
                GetObjectPresignRequest.builder()
                        .signatureDuration(ttl)
                        .getObjectRequest(
                                GetObjectRequest.builder().bucket(bucket).key(key).build())
                        .build();
        try {
            return Optional.of(presigner.presignGetObject(req).url().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean reachable() {
        try {
            s3.headBucket(HeadBucketRequest.builder().bucket(bucket).build());
            return true;
        } catch (SdkException e) {
            return false;
        }
    }

    /** A store that did not answer is unavailable (503); anything it answered is an error. */
    private static RuntimeException failure(SdkException e) {
        boolean down =
                e instanceof software.amazon.awssdk.core.exception.SdkClientException
                        || (e
                                        instanceof
                                        software.amazon.awssdk.awscore.exception.AwsServiceException
                                                s
                                && s.statusCode() >= 500);
        return down
                ? new ObjectStoreUnavailable("object store unavailable: " + e.getMessage(), e)
                : new java.io.UncheckedIOException(
                        new IOException("object store: " + e.getMessage(), e));
    }

    @Override
    public void close() {
        s3.close();
        presigner.close();
    }
}
