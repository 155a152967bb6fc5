package dev.meerkat.firmware.fs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A file store in a host directory: writes go to a temporary file that is then renamed over. The
 * store holds secrets (credential digests, configuration with passwords), so on POSIX hosts the
 * directory is 0700 and every file 0600 from its creation.
 */
public final class DirectoryFileStore implements FileStore {

    private static final boolean POSIX =
            FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private final Path dir;

    public DirectoryFileStore(Path dir) {
        try {
            this.dir = Files.createDirectories(dir);
            if (POSIX) {
                Files.setPosixFilePermissions(
                        this.dir, PosixFilePermissions.fromString("rwx------"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public Optional<byte[]> read(String name) {
        Path p = dir.resolve(FileStore.checkName(name));
        try {
            return Files.exists(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void write(String name, byte[] content) {
        Path p = dir.resolve(FileStore.checkName(name));
        Path tmp = dir.resolve("." + name + ".new");
        try {
            Files.deleteIfExists(tmp);
            if (POSIX) {
                Files.createFile(
                        tmp,
                        PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString("rw-------")));
            }
            Files.write(tmp, content);
            try {
                Files.move(
                        tmp,
                        p,
                        StandardCopyOption.REPLACE_EXISTING,
                        StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, p, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public boolean delete(String name) {
        try {
            return Files.deleteIfExists(dir.resolve(FileStore.checkName(name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public List<String> list() {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
