package dev.meerkat.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.image.ImageFormatException.Problem;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The description of an image that {@code imgtool dumpinfo -f json} prints, field for field, so
 * scripts written against imgtool keep working.
 */
public final class ImageDump {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private ImageDump() {}

    public static ObjectNode describe(String filename, ImageSource src)
            throws ImageFormatException {
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
            throw new ImageFormatException(
                    Problem.IO, img.end(), "cannot read trailer: " + e.getMessage(), e);
        }
        fields.ifPresent(
                f -> {
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

    /**
     * Renders JSON exactly as Python's {@code json.dumps(obj, indent=2)} does (imgtool's output).
     */
    public static String toPythonJson(JsonNode node) {
        return PythonJson.pretty(node, false);
    }
}
