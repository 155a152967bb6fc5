package dev.meerkat.fwzip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Builds small bundles for tests. */
final class TestBundles {
    private TestBundles() {}

    static final JsonNodeFactory J = JsonNodeFactory.instance;

    static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static FwPart appPart() {
        Map<String, JsonNode> a = new LinkedHashMap<>();
        a.put("addr", J.numberNode(0x10000));
        a.put("ptn", J.textNode("app_0"));
        return new FwPart("app", "app", "app.bin", null, null, null, a);
    }

    static FwPart fsPart() {
        Map<String, JsonNode> a = new LinkedHashMap<>();
        a.put("ptn", J.textNode("fs_0"));
        a.put("fs_size", J.numberNode(8192));
        a.put("fs_block_size", J.numberNode(4096));
        a.put("encrypt", J.booleanNode(false));
        return new FwPart("fs", "fs", "fs.img", null, null, null, a);
    }

    static FwBundleWriter.Builder builder(FwBundle.Layout layout) {
        return FwBundleWriter.builder("demo", "esp32", "1.0.0")
                .buildId("20260101-000000/test")
                .buildTimestamp("2026-01-01T00:00:00Z")
                .description("test bundle")
                .layout(layout)
                .addPart(appPart(), random(5000, 1))
                .addPart(fsPart(), random(8192, 2));
    }

    static Path write(Path dir, String name, FwBundle.Layout layout, PrivateKey... keys)
            throws IOException {
        FwBundleWriter.Builder b = builder(layout);
        for (PrivateKey k : keys) {
            b.signWith(k);
        }
        Path out = dir.resolve(name);
        b.build().write(out);
        return out;
    }

    static byte[] bytes(Path p) throws IOException {
        return Files.readAllBytes(p);
    }
}
