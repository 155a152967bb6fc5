package dev.meerkat.firmware;

import dev.meerkat.firmware.device.DeviceContext;
import dev.meerkat.firmware.device.Library;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;

/**
 * Faults a test or a fleet rehearsal injects into one board: a download connection that drops once
 * after a number of bytes, and a firmware whose test boots fail init (a device-specific fault).
 * Power cuts are the hal's ({@code Device.power()}).
 */
public final class FaultInjection {

    private volatile long downloadDropAt = -1;
    private volatile boolean failInitOnTestBoot;

    FaultInjection(boolean failInitOnTestBoot) {
        this.failInitOnTestBoot = failInitOnTestBoot;
    }

    /** The next download drops its connection after {@code bytes} more bytes (once). */
    public void dropDownloadAfter(long bytes) {
        this.downloadDropAt = bytes;
    }

    /** Whether every test boot of a new firmware fails init. */
    public void failInitOnTestBoot(boolean fail) {
        this.failInitOnTestBoot = fail;
    }

    /**
     * {@code body}, or a stream that fails after the armed number of bytes (the drop is used up).
     */
    InputStream download(InputStream body) {
        long dropAt = downloadDropAt;
        if (dropAt < 0) {
            return body;
        }
        downloadDropAt = -1;
        return new FilterInputStream(body) {
            private long left = dropAt;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    super.close();
                    throw new IOException("network dropped (injected)");
                }
                int n = super.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }
        };
    }

    /** A library failing init on test boots, when that fault is armed. */
    Optional<Library> initFailure() {
        if (!failInitOnTestBoot) {
            return Optional.empty();
        }
        return Optional.of(
                new Library() {
                    @Override
                    public String name() {
                        return "fault-injection";
                    }

                    @Override
                    public int order() {
                        return 90;
                    }

                    @Override
                    public void init(DeviceContext device) {
                        if (device.testBoot()) {
                            throw new IllegalStateException("injected init failure on test boot");
                        }
                    }
                });
    }
}
