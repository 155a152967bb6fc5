package dev.meerkat.fwzip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.fwzip.FwZipException.Problem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FwBundleTest {
    @TempDir Path tmp;

    @Test
    void readsTheMgosFwMetaVector() throws Exception {
        Path zip = Vectors.mongoose("demo-app-esp32-1.4.2.zip");
        try (FwBundle b = FwBundle.open(zip)) {
            assertThat(b.layout()).isEqualTo(FwBundle.Layout.DIRECTORY);
            assertThat(b.entryPrefix()).isEqualTo("demo-app-1.4.2/");
            FwManifest m = b.manifest();
            assertThat(m.name()).isEqualTo("demo-app");
            assertThat(m.platform()).isEqualTo("esp32");
            assertThat(m.version()).isEqualTo("1.4.2");
            assertThat(m.buildId()).isEqualTo("20261122-120000/main@abc123");
            assertThat(m.buildTimestamp()).isEqualTo("2026-11-22T12:00:00Z");
            assertThat(m.parts()).containsOnlyKeys("app", "fs");
            FwPart app = m.parts().get("app");
            assertThat(app.type()).isEqualTo("app");
            assertThat(app.src()).isEqualTo("app.bin");
            assertThat(app.size()).isEqualTo(16384L);
            assertThat(app.longAttribute("addr")).hasValue(0x10000);
            assertThat(app.stringAttribute("ptn")).hasValue("app_0");
            assertThat(m.parts().get("fs").longAttribute("fs_block_size")).hasValue(4096);
            assertThat(b.signatures()).isEmpty();
            assertThat(b.unreferencedEntries()).isEmpty();
            assertThat(b.partEntry("fs"))
                    .get()
                    .extracting(FwEntry::name)
                    .isEqualTo("demo-app-1.4.2/fs.img");

            FwVerification v = b.verify(List.of(), false);
            assertThat(v.valid()).isTrue();
            assertThat(v.parts())
                    .allSatisfy(
                            p -> {
                                assertThat(p.sizeOk()).isTrue();
                                assertThat(p.sha1Ok()).isTrue();
                                assertThat(p.sha256Ok()).isTrue();
                            });
            assertThat(v.signed()).isFalse();

            // The manifest serialises to the very bytes mgos_fw_meta.py wrote.
            assertThat(new String(m.toJson(), StandardCharsets.UTF_8))
                    .isEqualTo(new String(b.manifestBytes(), StandardCharsets.UTF_8));
            assertThat(b.manifestBytes())
                    .isEqualTo(
                            Files.readAllBytes(Vectors.mongoose("demo-app-1.4.2.manifest.json")));

            try (InputStream in = b.openPart("fs")) {
                assertThat(in.readAllBytes())
                        .isEqualTo(Files.readAllBytes(Vectors.mongoose("fs.img")));
            }
        }
    }

    @Test
    void rejectsTheVectorWhenAKeyIsRequired() throws Exception {
        try (FwBundle b = FwBundle.open(Vectors.mongoose("demo-app-esp32-1.4.2.zip"))) {
            FwVerification v = b.verify(List.of(FwKeys.generate().getPublic()), true);
            assertThat(v.valid()).isFalse();
            assertThat(v.problems()).containsExactly("bundle is not signed");
        }
    }

    @Test
    void roundTripsRootLayout() throws Exception {
        roundTrip(FwBundle.Layout.ROOT, "");
    }

    @Test
    void roundTripsDirectoryLayout() throws Exception {
        roundTrip(FwBundle.Layout.DIRECTORY, "demo-1.0.0/");
    }

    private void roundTrip(FwBundle.Layout layout, String prefix) throws Exception {
        Path out = TestBundles.write(tmp, "fw.zip", layout);
        try (FwBundle b = FwBundle.open(out)) {
            assertThat(b.layout()).isEqualTo(layout);
            assertThat(b.entries())
                    .extracting(FwEntry::name)
                    .containsExactly(
                            prefix + "manifest.json", prefix + "app.bin", prefix + "fs.img");
            assertThat(b.entries())
                    .allSatisfy(e -> assertThat(e.method()).isEqualTo(FwEntry.Method.STORED));
            FwManifest m = b.manifest();
            assertThat(m.description()).isEqualTo("test bundle");
            FwPart fs = m.parts().get("fs");
            assertThat(fs.attribute("encrypt")).get().matches(n -> n.isBoolean());
            assertThat(fs.attribute("fs_size"))
                    .get()
                    .matches(n -> n.isInt() && n.intValue() == 8192);
            assertThat(fs.size()).isEqualTo(8192L);
            assertThat(b.verify(List.of(), false).valid()).isTrue();
            try (InputStream in = b.openPart("app")) {
                assertThat(in.readAllBytes()).isEqualTo(TestBundles.random(5000, 1));
            }
        }
        // java.util.zip agrees with our archive structure.
        try (ZipFile z = new ZipFile(out.toFile())) {
            assertThat(z.size()).isEqualTo(3);
            assertThat(z.getInputStream(z.getEntry(prefix + "fs.img")).readAllBytes())
                    .isEqualTo(TestBundles.random(8192, 2));
        }
    }

    @Test
    void writingIsReproducible() throws Exception {
        Path a = TestBundles.write(tmp, "a.zip", FwBundle.Layout.ROOT);
        Path b = TestBundles.write(tmp, "b.zip", FwBundle.Layout.ROOT);
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("a.zip", "b.zip");
        }
    }

    @Test
    void readsDeflatedEntriesWrittenByJavaUtilZip() throws Exception {
        byte[] manifest =
                TestBundles.builder(FwBundle.Layout.ROOT)
                        .build()
                        .write(tmp.resolve("stored.zip"))
                        .manifestBytes();
        Path out = tmp.resolve("deflated.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
            z.setMethod(ZipOutputStream.DEFLATED);
            put(z, "manifest.json", manifest);
            put(z, "app.bin", TestBundles.random(5000, 1));
            put(z, "fs.img", TestBundles.random(8192, 2));
        }
        try (FwBundle b = FwBundle.open(out)) {
            assertThat(b.entries())
                    .extracting(FwEntry::method)
                    .containsOnly(FwEntry.Method.DEFLATED);
            assertThat(b.manifestBytes()).isEqualTo(manifest);
            assertThat(b.verify(List.of(), false).valid()).isTrue();
        }
    }

    @Test
    void readsStoredEntriesWithDataDescriptors() throws Exception {
        byte[] manifest =
                TestBundles.builder(FwBundle.Layout.ROOT)
                        .build()
                        .write(tmp.resolve("stored.zip"))
                        .manifestBytes();
        Path out = tmp.resolve("stored-java.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
            z.setMethod(ZipOutputStream.STORED);
            putStored(z, "manifest.json", manifest);
            putStored(z, "app.bin", TestBundles.random(5000, 1));
            z.setMethod(ZipOutputStream.DEFLATED);
            put(z, "fs.img", TestBundles.random(8192, 2));
        }
        try (FwBundle b = FwBundle.open(out)) {
            assertThat(b.verify(List.of(), false).valid()).isTrue();
        }
    }

    private static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        z.putNextEntry(new ZipEntry(name));
        z.write(data);
        z.closeEntry();
    }

    private static void putStored(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    @Test
    void detectsAModifiedPart() throws Exception {
        Path out = TestBundles.write(tmp, "fw.zip", FwBundle.Layout.ROOT);
        byte[] zip = Files.readAllBytes(out);
        long appOffset;
        try (FwBundle b = FwBundle.open(out)) {
            appOffset = b.partEntry("app").orElseThrow().dataOffset();
        }
        zip[(int) appOffset + 100] ^= 1;
        Files.write(out, zip);
        try (FwBundle b = FwBundle.open(out)) {
            FwVerification v = b.verify(List.of(), false);
            assertThat(v.valid()).isFalse();
            assertThat(v.parts().get(0).error()).contains("CRC-32").contains("app.bin");
        }
    }

    @Test
    void detectsAPartThatMatchesItsCrcButNotTheManifest() throws Exception {
        // Rebuild the archive with a different app.bin but the original manifest.
        Path out = TestBundles.write(tmp, "fw.zip", FwBundle.Layout.ROOT);
        byte[] manifest;
        try (FwBundle b = FwBundle.open(out)) {
            manifest = b.manifestBytes();
        }
        Path evil = tmp.resolve("evil.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(evil))) {
            put(z, "manifest.json", manifest);
            put(z, "app.bin", TestBundles.random(5000, 99));
            put(z, "fs.img", TestBundles.random(8192, 2));
        }
        try (FwBundle b = FwBundle.open(evil)) {
            FwVerification v = b.verify(List.of(), false);
            assertThat(v.valid()).isFalse();
            FwVerification.PartResult app = v.parts().get(0);
            assertThat(app.sizeOk()).isTrue();
            assertThat(app.sha1Ok()).isFalse();
            assertThat(app.sha256Ok()).isFalse();
        }
    }

    @Test
    void reportsAMissingPartFile() throws Exception {
        byte[] manifest =
                TestBundles.builder(FwBundle.Layout.ROOT)
                        .build()
                        .write(tmp.resolve("stored.zip"))
                        .manifestBytes();
        Path out = tmp.resolve("missing.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
            put(z, "manifest.json", manifest);
            put(z, "app.bin", TestBundles.random(5000, 1));
        }
        try (FwBundle b = FwBundle.open(out)) {
            FwVerification v = b.verify(List.of(), false);
            assertThat(v.valid()).isFalse();
            assertThat(v.parts().get(1).error()).contains("fs.img").contains("missing");
            assertThatThrownBy(() -> b.openPart("fs"))
                    .isInstanceOf(FwZipException.class)
                    .extracting(e -> ((FwZipException) e).problem())
                    .isEqualTo(Problem.MISSING_PART_DATA);
        }
    }

    @Test
    void rejectsZipSlipNames() throws Exception {
        for (String bad : List.of("../evil", "/abs", "a/../../b", "c:/x", "a\\b", "a//b")) {
            Path out = tmp.resolve("slip.zip");
            try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
                put(z, "manifest.json", "{\"parts\":{}}".getBytes(StandardCharsets.UTF_8));
                put(z, bad, new byte[] {1});
            }
            assertThatThrownBy(() -> FwBundle.open(out))
                    .as(bad)
                    .isInstanceOf(FwZipException.class)
                    .extracting(e -> ((FwZipException) e).problem())
                    .isEqualTo(Problem.BAD_ENTRY_NAME);
        }
    }

    @Test
    void rejectsDuplicateNames() throws Exception {
        Path out = tmp.resolve("dup.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
            put(z, "manifest.json", "{\"parts\":{}}".getBytes(StandardCharsets.UTF_8));
            put(z, "x.bin", new byte[] {1});
            put(z, "y.bin", new byte[] {2});
        }
        String s =
                new String(Files.readAllBytes(out), StandardCharsets.ISO_8859_1)
                        .replace("y.bin", "x.bin");
        Files.write(out, s.getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> FwBundle.open(out))
                .isInstanceOf(FwZipException.class)
                .hasMessageContaining("'x.bin'")
                .hasMessageContaining("appears twice")
                .extracting(e -> ((FwZipException) e).problem())
                .isEqualTo(Problem.DUPLICATE_ENTRY);
    }

    @Test
    void rejectsNamesDifferingOnlyInCase() throws Exception {
        Path out = tmp.resolve("case.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
            put(z, "manifest.json", "{\"parts\":{}}".getBytes(StandardCharsets.UTF_8));
            put(z, "x.bin", new byte[] {1});
            put(z, "X.BIN", new byte[] {2});
        }
        assertThatThrownBy(() -> FwBundle.open(out))
                .isInstanceOf(FwZipException.class)
                .extracting(e -> ((FwZipException) e).problem())
                .isEqualTo(Problem.DUPLICATE_ENTRY);
    }

    @Test
    void rejectsManifestNotFirst() throws Exception {
        Path out = tmp.resolve("late.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
            put(z, "app.bin", new byte[] {1});
            put(z, "manifest.json", "{\"parts\":{}}".getBytes(StandardCharsets.UTF_8));
        }
        assertThatThrownBy(() -> FwBundle.open(out))
                .isInstanceOf(FwZipException.class)
                .hasMessageContaining("must be the first entry")
                .extracting(e -> ((FwZipException) e).problem())
                .isEqualTo(Problem.MISSING_MANIFEST);
    }

    @Test
    void rejectsZip64() throws Exception {
        Path out = TestBundles.write(tmp, "fw.zip", FwBundle.Layout.ROOT);
        byte[] zip = Files.readAllBytes(out);
        int eocd = zip.length - 22;
        zip[eocd + 16] = zip[eocd + 17] = zip[eocd + 18] = zip[eocd + 19] = (byte) 0xff;
        Files.write(out, zip);
        assertThatThrownBy(() -> FwBundle.open(out))
                .isInstanceOf(FwZipException.class)
                .extracting(e -> ((FwZipException) e).problem())
                .isEqualTo(Problem.ZIP64_UNSUPPORTED);
    }

    @Test
    void rejectsBadManifestJson() throws Exception {
        Path out = tmp.resolve("bad.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(out))) {
            put(
                    z,
                    "manifest.json",
                    "{\"parts\":{\"a\":{\"size\":\"big\"}}}".getBytes(StandardCharsets.UTF_8));
        }
        assertThatThrownBy(() -> FwBundle.open(out))
                .isInstanceOf(FwZipException.class)
                .hasMessageContaining("parts.a.size")
                .extracting(e -> ((FwZipException) e).problem())
                .isEqualTo(Problem.BAD_MANIFEST);
    }

    @Test
    void rejectsNotAZip() throws Exception {
        Path out = tmp.resolve("x.zip");
        Files.write(out, new byte[100]);
        assertThatThrownBy(() -> FwBundle.open(out))
                .isInstanceOf(FwZipException.class)
                .extracting(e -> ((FwZipException) e).problem())
                .isEqualTo(Problem.NOT_A_ZIP);
    }

    @Test
    void messagesNameEntryAndOffset() {
        FwZipException e = new FwZipException(Problem.CRC_MISMATCH, "app.bin", 256, "bad");
        assertThat(e.getMessage()).isEqualTo("entry 'app.bin' at offset 256 (0x100): bad");
    }

    static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        in.transferTo(o);
        return o.toByteArray();
    }
}
