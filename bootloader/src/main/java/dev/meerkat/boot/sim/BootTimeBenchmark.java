package dev.meerkat.boot.sim;

import dev.meerkat.boot.BootConfig;
import dev.meerkat.boot.BootListener;
import dev.meerkat.boot.BootResult;
import dev.meerkat.boot.Bootloader;
import dev.meerkat.boot.FlashLayout;
import dev.meerkat.boot.Slot;
import dev.meerkat.hal.Device;
import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.FlashGeometry;
import dev.meerkat.hal.FlashStats;
import dev.meerkat.hal.OverwritePolicy;
import dev.meerkat.hal.ResetCause;
import dev.meerkat.hal.SectorRegion;
import dev.meerkat.image.ImageSigner;
import dev.meerkat.image.ImageVersion;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Cost of validation at boot: a normal boot of a committed image filling a 1 MiB and a 16 MiB slot
 * (bytes read from flash, wall time), and SHA-256 throughput of the JVM compared with {@code
 * openssl dgst -sha256} on the same bytes in the same run.
 */
public final class BootTimeBenchmark {

    /**
     * Figures for one slot size.
     *
     * @param slotSize slot bytes
     * @param imageSize signed image bytes
     * @param bytesRead flash bytes read by one normal boot
     * @param bootMillisMin fastest boot (ms)
     * @param bootMillisMedian median boot (ms)
     * @param javaMBps JVM SHA-256 throughput over the image bytes (MB/s, 10^6 bytes)
     * @param opensslMBps openssl dgst throughput, process start-up subtracted (MB/s); NaN if
     *     unavailable
     * @param opensslRawMBps openssl dgst throughput including process start-up
     */
    public record Result(
            long slotSize,
            long imageSize,
            long bytesRead,
            double bootMillisMin,
            double bootMillisMedian,
            double javaMBps,
            double opensslMBps,
            double opensslRawMBps) {

        /** JVM hashing throughput relative to openssl's (1.0 = as fast). */
        public double ratio() {
            return javaMBps / opensslMBps;
        }

        public String format() {
            return String.format(
                    "slot %5d KiB image %,d B: boot reads %,d B, boot %.1f ms (median %.1f); "
                            + "sha256 JVM %.0f MB/s, openssl %.0f MB/s (%.0f incl. start-up) -> ratio %.2f",
                    slotSize / 1024,
                    imageSize,
                    bytesRead,
                    bootMillisMin,
                    bootMillisMedian,
                    javaMBps,
                    opensslMBps,
                    opensslRawMBps,
                    ratio());
        }
    }

    private BootTimeBenchmark() {}

    /** Measures a normal boot with an image filling most of a {@code slotSize} slot. */
    public static Result run(long slotSize, int repetitions) throws Exception {
        int sector = 65536;
        int slotSectors = (int) (slotSize / sector);
        FlashGeometry g =
                new FlashGeometry(
                        List.of(
                                new SectorRegion(4096, 8),
                                new SectorRegion(sector, 2 * slotSectors)),
                        8,
                        OverwritePolicy.CLEAR_BITS_ONLY);
        SimImages images = new SimImages(16);
        Device device = Device.builder(g).rootOfTrust(images.rootOfTrust()).build();
        FlashLayout layout =
                new FlashLayout(
                        new FlashArea(device.flash(), "bootloader", 0, 16384),
                        new FlashArea(device.flash(), "boot-state", 16384, 8192),
                        new FlashArea(device.flash(), "slot-A", 32768, slotSize),
                        new FlashArea(device.flash(), "slot-B", 32768 + slotSize, slotSize));
        byte[] payload = new byte[(int) slotSize - 4096];
        new Random(1).nextBytes(payload);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageSigner.builder()
                .headerSize(SimImages.HEADER_SIZE)
                .padHeader(true)
                .version(ImageVersion.parse("1.0.0"))
                .securityCounter(1)
                .signer(images.key1())
                .build()
                .sign(new ByteArrayInputStream(payload), payload.length, out, n -> {});
        byte[] image = out.toByteArray();
        byte[] padded = Arrays.copyOf(image, (image.length + 7) / 8 * 8);
        Arrays.fill(padded, image.length, padded.length, (byte) 0xFF);
        layout.slotA().write(0, padded);

        Bootloader boot =
                new Bootloader(
                        device, layout, BootConfig.defaults().withListener(BootListener.NONE));
        requireJump(boot.boot(), Slot.A); // first boot writes the initial record
        double[] millis = new double[repetitions];
        long bytesRead = 0;
        for (int i = 0; i < repetitions; i++) {
            device.reset(ResetCause.SOFTWARE);
            FlashStats before = device.flash().stats();
            long t0 = System.nanoTime();
            requireJump(boot.boot(), Slot.A);
            millis[i] = (System.nanoTime() - t0) / 1e6;
            bytesRead = device.flash().stats().minus(before).bytesRead();
        }
        Arrays.sort(millis);

        double javaMBps = javaSha256(image, 5);
        double[] openssl = opensslSha256(image, 5);
        return new Result(
                slotSize,
                image.length,
                bytesRead,
                millis[0],
                millis[repetitions / 2],
                javaMBps,
                openssl[0],
                openssl[1]);
    }

    private static void requireJump(BootResult r, Slot slot) {
        if (!(r instanceof BootResult.Jump j) || j.slot() != slot) {
            throw new IllegalStateException("benchmark boot failed: " + r);
        }
    }

    private static double javaSha256(byte[] data, int runs) throws Exception {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < runs + 2; i++) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long t0 = System.nanoTime();
            md.update(data);
            md.digest();
            best = Math.min(best, System.nanoTime() - t0);
        }
        return data.length / (best / 1e9) / 1e6;
    }

    /** {corrected MB/s, raw MB/s}; NaN when openssl cannot be run. */
    private static double[] opensslSha256(byte[] data, int runs) {
        Path file = null;
        Path empty = null;
        try {
            file = Files.createTempFile("meerkat-bench", ".bin");
            empty = Files.createTempFile("meerkat-bench-empty", ".bin");
            Files.write(file, data);
            long full = Long.MAX_VALUE;
            long startup = Long.MAX_VALUE;
            for (int i = 0; i < runs; i++) {
                full = Math.min(full, timeOpenssl(file));
                startup = Math.min(startup, timeOpenssl(empty));
            }
            double raw = data.length / (full / 1e9) / 1e6;
            long net = Math.max(1, full - startup);
            return new double[] {data.length / (net / 1e9) / 1e6, raw};
        } catch (IOException | InterruptedException e) {
            return new double[] {Double.NaN, Double.NaN};
        } finally {
            try {
                if (file != null) {
                    Files.deleteIfExists(file);
                }
                if (empty != null) {
                    Files.deleteIfExists(empty);
                }
            } catch (IOException ignored) {
                // temp files; nothing else to do
            }
        }
    }

    private static long timeOpenssl(Path file) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("openssl", "dgst", "-sha256", file.toString());
        pb.redirectErrorStream(true);
        long t0 = System.nanoTime();
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("openssl dgst failed");
        }
        return System.nanoTime() - t0;
    }

    /** Prints the figures for 1 MiB and 16 MiB slots. */
    public static void report(PrintStream out) throws Exception {
        report(out, List.of(1L << 20, 16L << 20), 7);
    }

    /** Prints the figures for these slot sizes (multiples of 64 KiB), {@code boots} boots each. */
    public static void report(PrintStream out, List<Long> slotSizes, int boots) throws Exception {
        out.println(
                "boot time: normal boot of a committed image (header, TLVs, SHA-256, Ed25519), "
                        + boots
                        + " boots each");
        for (long size : slotSizes) {
            out.println(run(size, boots).format());
        }
    }

    public static void main(String[] args) throws Exception {
        report(System.out);
    }
}
