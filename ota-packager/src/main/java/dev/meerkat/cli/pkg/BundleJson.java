package dev.meerkat.cli.pkg;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    // One object on one line, as every --json output.
    static final ObjectMapper MAPPER = new ObjectMapper();

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
            n.put("compressedSize", e.compressedSize());
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
        ObjectNode attrs = o.putObject("signatureAttributes");
        b.signatureAttributes().forEach(attrs::set);
        ArrayNode extra = o.putArray("unreferencedEntries");
        b.unreferencedEntries().forEach(extra::add);
        return o;
    }

    static ObjectNode verify(Path file, FwVerification v) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("file", file.toString());
        o.put("valid", v.valid());
        o.put("signed", v.signed());
        o.put("signatureRequired", v.signatureRequired());
        o.put("keys", v.keyCount());
        ArrayNode parts = o.putArray("parts");
        for (FwVerification.PartResult p : v.parts()) {
            ObjectNode n = parts.addObject();
            n.put("name", p.name());
            n.put("entry", p.entry());
            n.put("hasData", p.hasData());
            n.put("ok", p.ok());
            if (p.hasData()) {
                n.put("size", p.actualSize());
                n.put("sizeOk", p.sizeOk());
                n.put("sha1Ok", p.sha1Ok());
                n.put("sha256Ok", p.sha256Ok());
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
                n.put("keyIndex", s.matchedKey());
                n.put("keyFingerprint", s.keyFingerprint());
            }
        }
        ArrayNode problems = o.putArray("problems");
        v.problems().forEach(problems::add);
        return o;
    }
}
