package dev.meerkat.fwzip;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Mutates valid bundles in hostile ways and checks that only {@link FwZipException} or a clean
 * "invalid" report ever comes out.
 */
class FwBundleFuzzProperties {
    private static final KeyPair KEY = FwKeys.generate();
    private static final byte[] SIGNED = build(false);
    private static final byte[] DEFLATED = build(true);

    /** Offsets of every header field in SIGNED that holds a size, offset, length or count. */
    private static final List<Integer> FIELDS = headerFields(SIGNED);

    private static byte[] build(boolean deflate) {
        try {
            Path dir = Files.createTempDirectory("fwzip-fuzz");
            Path p = dir.resolve("fw.zip");
            FwBundleWriter.Result r =
                    TestBundles.builder(FwBundle.Layout.DIRECTORY)
                            .signWith(KEY.getPrivate())
                            .build()
                            .write(p);
            byte[] out = Files.readAllBytes(p);
            if (deflate) {
                java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
                try (ZipOutputStream z = new ZipOutputStream(buf)) {
                    z.putNextEntry(new ZipEntry("manifest.json"));
                    z.write(r.manifestBytes());
                    z.putNextEntry(new ZipEntry("app.bin"));
                    z.write(TestBundles.random(5000, 1));
                    z.putNextEntry(new ZipEntry("fs.img"));
                    z.write(TestBundles.random(8192, 2));
                }
                out = buf.toByteArray();
            }
            Files.delete(p);
            Files.delete(dir);
            return out;
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Integer> headerFields(byte[] zip) {
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i + 4 <= zip.length; i++) {
            int sig = b.getInt(i);
            if (sig == ZipFormat.LOCAL_HEADER_SIG && i + 30 <= zip.length) {
                for (int f : new int[] {14, 18, 22, 26, 28}) {
                    out.add(i + f);
                }
            } else if (sig == ZipFormat.CENTRAL_HEADER_SIG && i + 46 <= zip.length) {
                for (int f : new int[] {16, 20, 24, 28, 30, 32, 34, 42}) {
                    out.add(i + f);
                }
            } else if (sig == ZipFormat.EOCD_SIG && i + 22 <= zip.length) {
                for (int f : new int[] {4, 6, 8, 10, 12, 16, 20}) {
                    out.add(i + f);
                }
            }
        }
        // The signature extra field's own length.
        out.add(30 + 29 + 2 + 2 - 2);
        return out;
    }

    /** Opens, inspects, verifies and reads everything; returns normally or with FwZipException. */
    static void exercise(byte[] zip) {
        try (FwBundle b = FwBundle.open(new ByteArrayChannel(zip))) {
            b.manifest().toJson();
            b.unreferencedEntries();
            FwVerification v = b.verify(List.of(KEY.getPublic()), true);
            assertThat(v.parts()).isNotNull();
            for (String part : b.manifest().parts().keySet()) {
                try (InputStream in = b.openPart(part)) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (FwZipException expected) {
                    assertThat(expected.getMessage()).isNotBlank();
                }
            }
        } catch (FwZipException expected) {
            assertThat(expected.getMessage()).isNotBlank();
            assertThat(expected.problem()).isNotNull();
        } catch (Throwable t) {
            throw new AssertionError("unexpected " + t, t);
        }
    }

    @Property(tries = 300)
    void truncation(@ForAll("lengths") int keep) {
        exercise(java.util.Arrays.copyOf(SIGNED, Math.min(keep, SIGNED.length)));
    }

    @Provide
    Arbitrary<Integer> lengths() {
        return Arbitraries.integers().between(0, SIGNED.length);
    }

    @Property(tries = 500)
    void bitFlips(@ForAll("positions") List<Integer> positions, @ForAll boolean deflated) {
        byte[] z = (deflated ? DEFLATED : SIGNED).clone();
        for (int p : positions) {
            int at = Math.floorMod(p, z.length);
            z[at] ^= (byte) (1 << Math.floorMod(p >>> 16, 8));
        }
        exercise(z);
    }

    @Provide
    Arbitrary<List<Integer>> positions() {
        return Arbitraries.integers().list().ofMinSize(1).ofMaxSize(8);
    }

    @Property(tries = 800)
    void hostileHeaderValues(
            @ForAll("fieldIndex") int field, @ForAll("hostile") long value, @ForAll boolean wide) {
        byte[] z = SIGNED.clone();
        int at = FIELDS.get(field);
        ByteBuffer b = ByteBuffer.wrap(z).order(ByteOrder.LITTLE_ENDIAN);
        if (wide && at + 4 <= z.length) {
            b.putInt(at, (int) value);
        } else if (at + 2 <= z.length) {
            b.putShort(at, (short) value);
        }
        exercise(z);
    }

    @Provide
    Arbitrary<Integer> fieldIndex() {
        return Arbitraries.integers().between(0, FIELDS.size() - 1);
    }

    @Provide
    Arbitrary<Long> hostile() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        0L,
                        1L,
                        0x7fffL,
                        0x8000L,
                        0xffffL,
                        0x7fffffffL,
                        0x80000000L,
                        0xfffffffeL,
                        0xffffffffL,
                        (long) SIGNED.length,
                        SIGNED.length - 1L,
                        SIGNED.length + 1L,
                        SIGNED.length - 22L,
                        0xfffffff0L),
                Arbitraries.longs().between(0, 0xffffffffL));
    }

    @Property(tries = 200)
    void overlappingEntries(
            @ForAll @IntRange(min = 0, max = 2) int victim,
            @ForAll @IntRange(min = 0, max = 2) int target,
            @ForAll @IntRange(min = -40, max = 40) int delta) {
        byte[] z = SIGNED.clone();
        ByteBuffer b = ByteBuffer.wrap(z).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> central = new ArrayList<>();
        for (int i = 0; i + 4 <= z.length; i++) {
            if (b.getInt(i) == ZipFormat.CENTRAL_HEADER_SIG) {
                central.add(i);
            }
        }
        int targetOffset = b.getInt(central.get(target) + 42);
        b.putInt(central.get(victim) + 42, Math.max(0, targetOffset + delta));
        exercise(z);
    }

    @Property(tries = 200)
    void sizeOverflow(@ForAll @IntRange(min = 0, max = 2) int entry, @ForAll("hostile") long size) {
        byte[] z = SIGNED.clone();
        ByteBuffer b = ByteBuffer.wrap(z).order(ByteOrder.LITTLE_ENDIAN);
        int seen = 0;
        for (int i = 0; i + 4 <= z.length; i++) {
            int sig = b.getInt(i);
            if (sig == ZipFormat.CENTRAL_HEADER_SIG && seen++ == entry) {
                b.putInt(i + 20, (int) size);
                b.putInt(i + 24, (int) size);
            }
        }
        // Keep the local header consistent so the sizes themselves are what is tested.
        for (int i = 0, k = 0; i + 4 <= z.length; i++) {
            if (b.getInt(i) == ZipFormat.LOCAL_HEADER_SIG && k++ == entry) {
                b.putInt(i + 18, (int) size);
                b.putInt(i + 22, (int) size);
            }
        }
        exercise(z);
    }

    @Property(tries = 100)
    void randomGarbage(@ForAll("garbage") byte[] data) {
        exercise(data);
    }

    @Provide
    Arbitrary<byte[]> garbage() {
        return Arbitraries.bytes()
                .array(byte[].class)
                .ofMaxSize(400)
                .map(
                        b -> {
                            byte[] out = java.util.Arrays.copyOf(b, b.length + 22);
                            ByteBuffer.wrap(out)
                                    .order(ByteOrder.LITTLE_ENDIAN)
                                    .putInt(b.length, ZipFormat.EOCD_SIG);
                            return out;
                        });
    }
}
