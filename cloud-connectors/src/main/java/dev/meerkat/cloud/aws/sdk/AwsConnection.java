package dev.meerkat.cloud.aws.sdk;

import java.net.URI;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Where and as whom to reach AWS: region, credentials (the SDK's default provider chain unless
 * given: environment, system properties, profile, web identity, container and instance roles) and
 * an optional endpoint override (an S3- or IoT-compatible server; path-style S3 addressing then).
 */
public record AwsConnection(
        Region region, AwsCredentialsProvider credentials, Optional<URI> endpoint) {

    public AwsConnection {
        if (region == null) {
            throw new IllegalArgumentException("no AWS region: pass --region or set AWS_REGION");
        }
        credentials =
                credentials == null ? DefaultCredentialsProvider.builder().build() : credentials;
        endpoint = endpoint == null ? Optional.empty() : endpoint;
    }

    public S3Client s3() {
        var b =
                S3Client.builder()
                        .region(region)
                        .credentialsProvider(credentials)
                        .httpClient(UrlConnectionHttpClient.create())
                        // checksums are sent explicitly (SHA-256 per part) by S3Publisher, not the
                        // SDK's CRC32 default
                        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                        .responseChecksumValidation(ResponseChecksumValidation.WHEN_SUPPORTED);
        endpoint.ifPresent(e -> b.endpointOverride(e).forcePathStyle(true));
        return b.build();
    }

    public S3Presigner presigner() {
        var b = S3Presigner.builder().region(region).credentialsProvider(credentials);
        endpoint.ifPresent(
                e ->
                        b.endpointOverride(e)
                                .serviceConfiguration(
                                        S3Configuration.builder()
                                                .pathStyleAccessEnabled(true)
                                                .build()));
        return b.build();
    }

    public IotClient iot() {
        var b =
                IotClient.builder()
                        .region(region)
                        .credentialsProvider(credentials)
                        .httpClient(UrlConnectionHttpClient.create());
        endpoint.ifPresent(b::endpointOverride);
        return b.build();
    }
}
