package dev.meerkat.image;

import java.io.IOException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.meerkat.image.ImageFormatException.Problem;

/**
 * The description of an image that {@code imgtool dumpinfo -f json} prints, field for field, so
 * scripts written against imgtool keep working.
 */
public final class ImageDump {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private ImageDump() {
    }

    public static ObjectNode describe(String filename, ImageSource src) throws ImageFormatException {
        ParsedImage img = ParsedImage.parse(src);
        ImageHeader h = img.header();
        ObjectNode root = JSON.objectNode();
        root.put("filename", filename);
        ObjectNode header = root.putObject("header");
        header.put("magic", Integer.toUnsignedLong(ImageHeader.MAGIC));
        header.put("load_addr", h.loadAddress());
        header.put("hdr_size", h.headerSize());
        header.put("protected_tlv_size", h.protectedTlvSize());
        header.put("img_size", h.imageSize());
        header.put("flags", h.flags());
        header.put("version", h.version().toString());
        ObjectNode area = root.putObject("tlv_area");
        ObjectNode protHdr = area.putObject("tlv_hdr_prot");
        if (h.protectedTlvSize() > 0) {
            protHdr.put("magic", TlvType.PROTECTED_INFO_MAGIC);
            protHdr.put("tlv_tot", h.protectedTlvSize());
        }
        tlvs(area.putArray("tlvs_prot"), img.protectedTlvs());
        ObjectNode hdr = area.putObject("tlv_hdr");
        hdr.put("magic", TlvType.INFO_MAGIC);
        hdr.put("tlv_tot", img.unprotectedTlvTotal());
        tlvs(area.putArray("tlvs"), img.tlvs());
        ObjectNode trailer = root.putObject("trailer");
        Optional<SlotTrailer.Fields> fields;
        try {
            fields = SlotTrailer.read(src, img.end(), SlotTrailer.DEFAULT_MAX_ALIGN);
        } catch (IOException e) {
            throw new ImageFormatException(Problem.IO, img.end(), "cannot read trailer: " + e.getMessage(), e);
        }
        fields.ifPresent(f -> {
            trailer.put("magic", HexFormat.of().formatHex(f.magic()));
            trailer.put("image_ok", f.imageOk());
            trailer.put("copy_done", f.copyDone());
            trailer.put("swap_info", f.swapInfo());
            trailer.put("swap_size", f.swapSize());
        });
        return root;
    }

    private static void tlvs(ArrayNode out, List<TlvEntry> entries) {
        for (TlvEntry e : entries) {
            ObjectNode t = out.addObject();
            t.put("type", e.type());
            t.put("type_name", e.tlv().name());
            t.put("len", e.tlv().length());
            t.put("data", HexFormat.of().formatHex(e.tlv().value()));
        }
    }

    /** Renders JSON exactly as Python's {@code json.dumps(obj, indent=2)} does. */
    public static String toPythonJson(JsonNode node) {
        StringBuilder sb = new StringBuilder();
        write(sb, node, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, JsonNode n, int depth) {
        if (n.isObject()) {
            if (n.isEmpty()) {
                sb.append("{}");
                return;
            }
            sb.append("{\n");
            Iterator<Map.Entry<String, JsonNode>> it = n.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                indent(sb, depth + 1);
                string(sb, e.getKey());
                sb.append(": ");
                write(sb, e.getValue(), depth + 1);
                sb.append(it.hasNext() ? ",\n" : "\n");
            }
            indent(sb, depth);
            sb.append('}');
        } else if (n.isArray()) {
            if (n.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append("[\n");
            for (int i = 0; i < n.size(); i++) {
                indent(sb, depth + 1);
                write(sb, n.get(i), depth + 1);
                sb.append(i + 1 < n.size() ? ",\n" : "\n");
            }
            indent(sb, depth);
            sb.append(']');
        } else if (n.isTextual()) {
            string(sb, n.asText());
        } else if (n.isNull()) {
            sb.append("null");
        } else {
            sb.append(n.asText());
        }
    }

    private static void indent(StringBuilder sb, int depth) {
        sb.append("  ".repeat(depth));
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
