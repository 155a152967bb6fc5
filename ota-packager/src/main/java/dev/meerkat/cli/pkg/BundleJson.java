package dev.meerkat.cli.pkg;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.fwzip.FwBundle;
import dev.meerkat.fwzip.FwEntry;
import dev.meerkat.fwzip.FwSignature;
import dev.meerkat.fwzip.FwVerification;
import java.nio.file.Path;

/** JSON renderings for {@code inspect --json} and {@code verify --json}. */
final class BundleJson {
    private BundleJson() {}

    static final ObjectMapper MAPPER =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    static String write(Object node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static ObjectNode inspect(Path file, FwBundle b) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("file", file.toString());
        o.put("size", b.fileSize());
        o.put("layout", b.layout() == FwBundle.Layout.ROOT ? "root" : "dir");
        o.put("prefix", b.entryPrefix());
        o.set("manifest", b.manifest().toJsonNode());
        ArrayNode entries = o.putArray("entries");
        for (FwEntry e : b.entries()) {
            ObjectNode n = entries.addObject();
            n.put("name", e.name());
            n.put("method", e.method().name().toLowerCase(java.util.Locale.ROOT));
            n.put("size", e.size());
            n.put("compressed_size", e.compressedSize());
            n.put("crc32", String.format("%08x", e.crc32()));
            n.put("offset", e.localHeaderOffset());
        }
        ArrayNode sigs = o.putArray("signatures");
        for (FwSignature s : b.signatures()) {
            ObjectNode n = sigs.addObject();
            n.put("slot", s.slot());
            n.put("key", s.key());
            n.put("signature", s.base64());
        }
        ObjectNode attrs = o.putObject("signature_attributes");
        b.signatureAttributes().forEach(attrs::set);
        ArrayNode extra = o.putArray("unreferenced_entries");
        b.unreferencedEntries().forEach(extra::add);
        return o;
    }

    static ObjectNode verify(Path file, FwVerification v) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("file", file.toString());
        o.put("valid", v.valid());
        o.put("signed", v.signed());
        o.put("signature_required", v.signatureRequired());
        o.put("keys", v.keyCount());
        ArrayNode parts = o.putArray("parts");
        for (FwVerification.PartResult p : v.parts()) {
            ObjectNode n = parts.addObject();
            n.put("name", p.name());
            n.put("entry", p.entry());
            n.put("has_data", p.hasData());
            n.put("ok", p.ok());
            if (p.hasData()) {
                n.put("size", p.actualSize());
                n.put("size_ok", p.sizeOk());
                n.put("sha1_ok", p.sha1Ok());
                n.put("sha256_ok", p.sha256Ok());
                n.put("sha1", p.actualSha1());
                n.put("sha256", p.actualSha256());
            }
            if (p.error() != null) {
                n.put("error", p.error());
            }
        }
        ArrayNode sigs = o.putArray("signatures");
        for (FwVerification.SignatureResult s : v.signatures()) {
            ObjectNode n = sigs.addObject();
            n.put("slot", s.slot());
            n.put("matched", s.matched());
            if (s.matched()) {
                n.put("key_index", s.matchedKey());
                n.put("key_fingerprint", s.keyFingerprint());
            }
        }
        ArrayNode problems = o.putArray("problems");
        v.problems().forEach(problems::add);
        return o;
    }
}
