package dev.meerkat.cli.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * Writes a file so that readers see either the old content or the complete new one: the data goes
 * to a temporary file in the same directory, is synced, and is then renamed over the target.
 */
public final class AtomicFiles {

    /** Produces the content of a file. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    /** Produces the content of a file through its channel (for kernel-side copies). */
    @FunctionalInterface
    public interface ChannelWriter {
        void write(FileChannel out) throws IOException;
    }

    private AtomicFiles() {}

    public static void write(Path target, Writer writer) throws IOException {
        write(target, writer, false);
    }

    /**
     * @param secret restrict the file to its owner (private keys)
     */
    public static void write(Path target, Writer writer, boolean secret) throws IOException {
        writeChannel(
                target,
                ch -> {
                    OutputStream out =
                            new java.io.BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                    writer.write(out);
                    out.flush();
                },
                secret);
    }

    public static void writeChannel(Path target, ChannelWriter writer, boolean secret)
            throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IOException("directory " + dir + " does not exist");
        }
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        boolean done = false;
        try {
            if (secret) restrictToOwner(tmp);
            try (FileChannel ch =
                    FileChannel.open(
                            tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writer.write(ch);
                ch.force(true);
            }
            if (!secret) relaxPermissions(tmp);
            try {
                Files.move(
                        tmp,
                        target,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        } finally {
            if (!done) Files.deleteIfExists(tmp);
        }
    }

    public static void writeBytes(Path target, byte[] data) throws IOException {
        write(target, out -> out.write(data));
    }

    private static void restrictToOwner(Path p) {
        try {
            Files.setPosixFilePermissions(
                    p, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        } catch (UnsupportedOperationException | IOException ignored) {
            // Non-POSIX file systems: the platform's defaults apply.
        }
    }

    private static void relaxPermissions(Path p) {
        try {
            Files.setPosixFilePermissions(
                    p,
                    Set.of(
                            PosixFilePermission.OWNER_READ,
                            PosixFilePermission.OWNER_WRITE,
                            PosixFilePermission.GROUP_READ,
                            PosixFilePermission.OTHERS_READ));
        } catch (UnsupportedOperationException | IOException ignored) {
            // Keep the temp file's permissions.
        }
    }
}
