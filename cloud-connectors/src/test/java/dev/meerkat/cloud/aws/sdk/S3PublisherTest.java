package dev.meerkat.cloud.aws.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Uploads through the AWS SDK to S3Proxy and downloads through the presigned URL with plain HTTP.
 */
class S3PublisherTest {

    @TempDir Path tmp;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<byte[]> get(String url) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void singleAndMultipartUploadsRoundTripThroughPresignedUrls() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        Files.createDirectories(store.resolve("releases"));
        byte[] small = new byte[300_000];
        byte[] large = new byte[(int) (2 * S3Publisher.MIN_PART + 12345)];
        new Random(7).nextBytes(small);
        new Random(8).nextBytes(large);
        Path smallFile = Files.write(tmp.resolve("fw.zip"), small);
        Path largeFile = Files.write(tmp.resolve("big.bin"), large);
        try (S3ProxyServer server = new S3ProxyServer(store);
                S3Client s3 = server.connection().s3();
                S3Presigner presigner = server.connection().presigner()) {
            S3Publisher publisher =
                    new S3Publisher(s3, presigner, Clock.systemUTC(), S3Publisher.MIN_PART);
            AtomicLong seen = new AtomicLong();
            PublishedObject one =
                    publisher.publish(
                            smallFile,
                            "releases",
                            "app/1.2.0/fw.zip",
                            "application/zip",
                            Duration.ofMinutes(10),
                            seen::set);
            assertThat(one.parts()).isEqualTo(1);
            assertThat(seen.get()).isEqualTo(small.length);
            assertThat(one.sha256Hex())
                    .isEqualTo(
                            HexFormat.of()
                                    .formatHex(MessageDigest.getInstance("SHA-256").digest(small)));
            assertThat(get(one.presignedUrl().toString()).body()).isEqualTo(small);

            PublishedObject many =
                    publisher.publish(
                            largeFile,
                            "releases",
                            "app/big.bin",
                            "application/octet-stream",
                            Duration.ofMinutes(10),
                            seen::set);
            assertThat(many.parts()).isEqualTo(3);
            assertThat(seen.get()).isEqualTo(large.length);
            HttpResponse<byte[]> fetched = get(many.presignedUrl().toString());
            assertThat(fetched.statusCode()).isEqualTo(200);
            assertThat(fetched.body()).isEqualTo(large);

            // the object URL itself needs credentials
            assertThat(get(one.objectUrl().toString()).statusCode()).isEqualTo(403);
            // a tampered signature or key is refused
            String url = one.presignedUrl().toString();
            int sig = url.indexOf("X-Amz-Signature=") + "X-Amz-Signature=".length();
            String flipped =
                    url.substring(0, sig)
                            + (url.charAt(sig) == 'a' ? 'b' : 'a')
                            + url.substring(sig + 1);
            assertThat(get(flipped).statusCode()).isEqualTo(403);
            assertThat(get(url.replace("fw.zip", "fw.ziq")).statusCode()).isEqualTo(403);
        }
    }

    @Test
    void anExpiredPresignedUrlIsRefused() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        Files.createDirectories(store.resolve("releases"));
        Path file = Files.write(tmp.resolve("fw.zip"), new byte[] {1, 2, 3});
        try (S3ProxyServer server = new S3ProxyServer(store);
                S3Client s3 = server.connection().s3();
                S3Presigner presigner = server.connection().presigner()) {
            PublishedObject o =
                    new S3Publisher(s3, presigner, Clock.systemUTC(), S3Publisher.MIN_PART)
                            .publish(
                                    file,
                                    "releases",
                                    "fw.zip",
                                    "application/zip",
                                    Duration.ofSeconds(1),
                                    n -> {});
            // the only difference between these two URLs is their lifetime
            String longLived =
                    presigner
                            .presignGetObject(
                                    p ->
                                            p.signatureDuration(Duration.ofMinutes(10))
                                                    .getObjectRequest(
                                                            g ->
                                                                    g.bucket("releases")
                                                                            .key("fw.zip")))
                            .url()
                            .toString();
            Thread.sleep(2100);
            assertThat(get(longLived).statusCode()).isEqualTo(200);
            assertThat(get(o.presignedUrl().toString()).statusCode()).isEqualTo(403);
        }
    }

    @Test
    void aBodyThatDoesNotMatchItsChecksumIsRefused() throws Exception {
        Path store = Files.createDirectories(tmp.resolve("store"));
        Files.createDirectories(store.resolve("releases"));
        try (S3ProxyServer server = new S3ProxyServer(store);
                S3Client s3 = server.connection().s3()) {
            String wrong = java.util.Base64.getEncoder().encodeToString(new byte[32]);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () ->
                                    s3.putObject(
                                            b ->
                                                    b.bucket("releases")
                                                            .key("x")
                                                            .checksumAlgorithm(
                                                                    software.amazon.awssdk.services
                                                                            .s3.model
                                                                            .ChecksumAlgorithm
                                                                            .SHA256)
                                                            .checksumSHA256(wrong),
                                            software.amazon.awssdk.core.sync.RequestBody.fromBytes(
                                                    new byte[] {1, 2})))
                    .isInstanceOfSatisfying(
                            software.amazon.awssdk.services.s3.model.S3Exception.class,
                            e -> assertThat(e.statusCode()).isEqualTo(400));
            // nothing was stored (the same PUT with the right checksum is what publish does above)
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> s3.headObject(b -> b.bucket("releases").key("x")))
                    .isInstanceOf(
                            software.amazon.awssdk.services.s3.model.NoSuchKeyException.class);
        }
    }
}
