package dev.meerkat.image;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Writes chunks on a second thread so that hashing (and encryption) of the next chunk overlaps the
 * write of the previous one. A fixed ring of buffers bounds memory. Not for use by several
 * producers.
 */
final class PipelinedWriter implements AutoCloseable {
    private record Chunk(byte[] buf, int len) {}

    private static final Chunk END = new Chunk(new byte[0], -1);

    private final OutputStream out;
    private final BlockingQueue<byte[]> free;
    private final BlockingQueue<Chunk> full;
    private final Thread thread;
    private volatile IOException failure;
    private boolean finished;

    /**
     * Applied to each chunk on the writer thread, in order, before it is written (e.g. encryption).
     */
    @FunctionalInterface
    interface Transform {
        void apply(byte[] buf, int off, int len);
    }

    private final Transform transform;

    PipelinedWriter(OutputStream out, int buffers, int bufferSize) {
        this(out, buffers, bufferSize, null);
    }

    PipelinedWriter(OutputStream out, int buffers, int bufferSize, Transform transform) {
        this.out = out;
        this.transform = transform;
        this.free = new ArrayBlockingQueue<>(buffers);
        this.full = new ArrayBlockingQueue<>(buffers + 1);
        for (int i = 0; i < buffers; i++) free.add(new byte[bufferSize]);
        this.thread = new Thread(this::drain, "meerkat-image-writer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** A buffer to fill; blocks while all buffers are queued for writing. */
    byte[] buffer() throws IOException {
        check();
        try {
            return free.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the writer");
        }
    }

    /** Queues {@code len} bytes of a buffer obtained from {@link #buffer()}. */
    void write(byte[] buf, int len) throws IOException {
        check();
        put(new Chunk(buf, len));
    }

    /** Waits until everything queued is written; later writes go straight to the stream. */
    void finish() throws IOException {
        if (finished) return;
        finished = true;
        put(END);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the writer");
        }
        check();
    }

    @Override
    public void close() throws IOException {
        finish();
    }

    private void put(Chunk c) throws IOException {
        try {
            full.put(c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while queueing a write");
        }
    }

    private void check() throws IOException {
        IOException f = failure;
        if (f != null) throw new IOException("writing the image failed: " + f.getMessage(), f);
    }

    private void drain() {
        try {
            while (true) {
                Chunk c = full.take();
                if (c == END) return;
                if (failure == null) {
                    try {
                        if (transform != null) transform.apply(c.buf(), 0, c.len());
                        out.write(c.buf(), 0, c.len());
                    } catch (IOException e) {
                        failure = e;
                    } catch (RuntimeException e) {
                        // Keep draining so the producer never waits on a dead thread.
                        failure = new IOException(e.toString(), e);
                    }
                }
                free.put(c.buf());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
