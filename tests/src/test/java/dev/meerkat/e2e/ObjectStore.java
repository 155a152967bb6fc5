package dev.meerkat.e2e;

import java.net.URI;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/**
 * S3Proxy on a free loopback port, checking AWS signatures (SigV4, presigned URLs too), with one
 * bucket.
 */
final class ObjectStore implements AutoCloseable {
    static final String ACCESS_KEY = "e2e-access-key";
    static final String SECRET_KEY = "e2e-secret-key-0123456789";
    static final String BUCKET = "meerkat-releases";
    private final S3Proxy proxy;
    final String endpoint;

    private ObjectStore(S3Proxy proxy, String endpoint) {
        this.proxy = proxy;
        this.endpoint = endpoint;
    }

    static ObjectStore start() throws Exception {
        int port = Ports.free();
        BlobStore blobs = new TransientNio2BlobStore();
        blobs.createContainer(BUCKET);
        S3Proxy proxy =
                S3Proxy.builder()
                        .blobStore(blobs)
                        .endpoint(URI.create("http://127.0.0.1:" + port))
                        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                        .build();
        proxy.start();
        for (int i = 0; i < 200 && !"STARTED".equals(proxy.getState()); i++) Thread.sleep(50);
        return new ObjectStore(proxy, "http://127.0.0.1:" + port);
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
    }
}
