package dev.meerkat.image;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Random-access, read-only view of the bytes of an image: a file, a byte array or a flash slot.
 * Verification reads through this interface so it never needs the whole image in memory.
 */
public interface ImageSource {

    /** Number of bytes available. */
    long size() throws IOException;

    /**
     * Reads exactly {@code len} bytes at {@code offset}.
     *
     * @throws EOFException if the range goes beyond {@link #size()}
     */
    void read(long offset, byte[] dst, int off, int len) throws IOException;

    static ImageSource of(byte[] bytes) {
        byte[] copy = bytes.clone();
        return new ImageSource() {
            @Override
            public long size() {
                return copy.length;
            }

            @Override
            public void read(long offset, byte[] dst, int off, int len) throws IOException {
                if (offset < 0 || len < 0 || offset + len > copy.length) {
                    throw new EOFException(
                            "read of "
                                    + len
                                    + " bytes at offset "
                                    + offset
                                    + " beyond end of "
                                    + copy.length
                                    + "-byte image");
                }
                System.arraycopy(copy, (int) offset, dst, off, len);
            }
        };
    }

    /** A source over an open channel; the caller keeps ownership of the channel. */
    static ImageSource of(FileChannel channel) {
        return new ImageSource() {
            @Override
            public long size() throws IOException {
                return channel.size();
            }

            @Override
            public void read(long offset, byte[] dst, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(dst, off, len);
                long pos = offset;
                while (buf.hasRemaining()) {
                    int n = channel.read(buf, pos);
                    if (n < 0) {
                        throw new EOFException(
                                "read of "
                                        + len
                                        + " bytes at offset "
                                        + offset
                                        + " beyond end of "
                                        + channel.size()
                                        + "-byte file");
                    }
                    pos += n;
                }
            }
        };
    }

    /** Opens a file channel for reading; close it when done. */
    static FileChannel open(Path path) throws IOException {
        return FileChannel.open(path, StandardOpenOption.READ);
    }
}
