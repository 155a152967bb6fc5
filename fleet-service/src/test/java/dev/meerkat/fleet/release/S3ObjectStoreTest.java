package dev.meerkat.fleet.release;

import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.fleet.PostgresS3Resource;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 store against S3Proxy, which checks signatures and expiry of presigned URLs like S3 does.
 */
class S3ObjectStoreTest {
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void roundTripsRangesAndPresignedUrlsThatExpire(@TempDir Path dir) throws Exception {
        String endpoint = PostgresS3Resource.startS3();
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        Path f = Files.write(dir.resolve("obj"), data);
        try (S3ObjectStore store =
                new S3ObjectStore(
                        Optional.of(endpoint),
                        "us-east-1",
                        PostgresS3Resource.BUCKET,
                        Optional.of(PostgresS3Resource.ACCESS_KEY),
                        Optional.of(PostgresS3Resource.SECRET_KEY),
                        Duration.ofSeconds(3))) {
            assertThat(store.reachable()).isTrue();
            store.put("releases/test-object", f);
            try (InputStream in = store.read("releases/test-object", 1000, 500)) {
                assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(data, 1000, 1500));
            }
            URI url = store.presign("releases/test-object").orElseThrow();
            HttpResponse<byte[]> ok =
                    HTTP.send(
                            HttpRequest.newBuilder(url).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
            assertThat(ok.statusCode())
                    .as("presigned GET: %s", new String(ok.body()))
                    .isEqualTo(200);
            assertThat(ok.body()).isEqualTo(data);
            HttpResponse<byte[]> ranged =
                    HTTP.send(
                            HttpRequest.newBuilder(url).header("Range", "bytes=0-9").build(),
                            HttpResponse.BodyHandlers.ofByteArray());
            assertThat(ranged.statusCode()).isEqualTo(206);
            assertThat(ranged.body()).isEqualTo(Arrays.copyOf(data, 10));
            String sig = url.toString().replaceAll(".*X-Amz-Signature=([0-9a-f]+).*", "$1");
            String flipped = (sig.charAt(0) == '0' ? "1" : "0") + sig.substring(1);
            URI forged = URI.create(url.toString().replace(sig, flipped));
            assertThat(
                            HTTP.send(
                                            HttpRequest.newBuilder(forged).build(),
                                            HttpResponse.BodyHandlers.discarding())
                                    .statusCode())
                    .isEqualTo(403);
            Thread.sleep(4000);
            assertThat(
                            HTTP.send(
                                            HttpRequest.newBuilder(url).build(),
                                            HttpResponse.BodyHandlers.discarding())
                                    .statusCode())
                    .as("expired presigned URL")
                    .isEqualTo(403);
        }
        try (S3ObjectStore wrongBucket =
                new S3ObjectStore(
                        Optional.of(endpoint),
                        "us-east-1",
                        "no-such-bucket",
                        Optional.of(PostgresS3Resource.ACCESS_KEY),
                        Optional.of(PostgresS3Resource.SECRET_KEY),
                        Duration.ofMinutes(1))) {
            assertThat(wrongBucket.reachable()).isFalse();
        }
    }
}
