package dev.meerkat.fleet.release;

import dev.meerkat.fleet.FleetConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/** Builds the configured object store once. */
public class ObjectStoreProducer {

    @Produces
    @ApplicationScoped
    ObjectStore objectStore(FleetConfig config) {
        FleetConfig.Storage s = config.storage();
        return switch (s.kind()) {
            case "directory" -> {
                try {
                    Files.createDirectories(s.directory());
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create " + s.directory(), e);
                }
                yield new DirectoryObjectStore(s.directory());
            }
            case "s3" ->
                    new S3ObjectStore(
                            s.endpoint(),
                            s.region(),
                            s.bucket(),
                            s.accessKey(),
                            s.secretKey(),
                            s.presignTtl());
            default ->
                    throw new IllegalArgumentException(
                            "meerkat.fleet.storage.kind must be directory or s3, not " + s.kind());
        };
    }
}
