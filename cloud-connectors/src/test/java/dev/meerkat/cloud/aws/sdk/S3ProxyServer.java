package dev.meerkat.cloud.aws.sdk;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * S3Proxy in-process on a free 127.0.0.1 port, files under a temporary folder, SigV2/V4
 * authentication on.
 */
public final class S3ProxyServer implements AutoCloseable {

    public static final String ACCESS_KEY = "AKIAMEERKATS3TEST01";
    public static final String SECRET_KEY = "s3proxy-test-secret-0123456789abcdef";

    private final S3Proxy proxy;

    public S3ProxyServer(Path dir) throws Exception {
        proxy =
                S3Proxy.builder()
                        .blobStore(new FilesystemNio2BlobStore(dir.toString()))
                        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                        .endpoint(URI.create("http://127.0.0.1:0"))
                        .stopTimeout(0)
                        .build();
        proxy.start();
        long end = System.nanoTime() + 20_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > end) {
                throw new AssertionError("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(10);
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    public AwsConnection connection() {
        return new AwsConnection(
                Region.US_EAST_1,
                StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)),
                Optional.of(endpoint()));
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
