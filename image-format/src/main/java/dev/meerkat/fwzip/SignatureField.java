package dev.meerkat.fwzip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.fwzip.FwZipException.Problem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Codec for the manifest entry's extra field with ID 0x293a: {@code id (u16 LE) | length (u16 LE) |
 * compact JSON object}, where the object maps {@code sig0}..{@code sig7} to base64 DER signatures
 * and may carry other attributes ({@code mos --extra-attr}).
 */
final class SignatureField {
    private SignatureField() {}

    private static final Pattern SIG_KEY = Pattern.compile("sig([0-9]+)");

    record Decoded(List<FwSignature> signatures, Map<String, JsonNode> attributes) {}

    static Decoded decode(byte[] extra, String entry, long extraOffset) throws FwZipException {
        byte[] json = null;
        long at = -1;
        for (ZipFormat.ExtraField f : ZipFormat.parseExtra(extra, entry, extraOffset)) {
            if (f.id() == ZipFormat.EXTRA_MOS_SIGNATURES) {
                if (json != null) {
                    throw new FwZipException(
                            Problem.BAD_SIGNATURE_FIELD,
                            entry,
                            extraOffset + f.offset(),
                            "more than one 0x293a signature field");
                }
                json = f.data();
                at = extraOffset + f.offset();
            }
        }
        if (json == null) {
            return new Decoded(List.of(), Map.of());
        }
        JsonNode root;
        try {
            root = FwJson.parse(json);
        } catch (IOException e) {
            throw new FwZipException(
                    Problem.BAD_SIGNATURE_FIELD,
                    entry,
                    at,
                    "signature field is not valid JSON: " + FwManifest.firstLine(e.getMessage()));
        }
        if (!root.isObject()) {
            throw new FwZipException(
                    Problem.BAD_SIGNATURE_FIELD, entry, at, "signature field is not a JSON object");
        }
        List<FwSignature> sigs = new ArrayList<>();
        Map<String, JsonNode> attrs = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Matcher m = SIG_KEY.matcher(e.getKey());
            if (!m.matches()) {
                attrs.put(e.getKey(), e.getValue());
                continue;
            }
            String k = e.getKey();
            if (!e.getValue().isTextual()) {
                throw new FwZipException(
                        Problem.BAD_SIGNATURE_FIELD, entry, at, k + " is not a string");
            }
            int slot;
            try {
                slot = Integer.parseInt(m.group(1));
            } catch (NumberFormatException x) {
                slot = -1;
            }
            if (slot < 0 || slot > FwSignature.MAX_SLOT || !k.equals("sig" + slot)) {
                throw new FwZipException(
                        Problem.BAD_SIGNATURE_FIELD,
                        entry,
                        at,
                        "signature key '"
                                + FwZipException.sanitize(k)
                                + "' is not sig0..sig"
                                + FwSignature.MAX_SLOT);
            }
            byte[] der;
            try {
                der = Base64.getDecoder().decode(e.getValue().textValue());
            } catch (IllegalArgumentException x) {
                throw new FwZipException(
                        Problem.BAD_SIGNATURE_FIELD, entry, at, k + " is not valid base64");
            }
            if (der.length == 0 || der.length > FwSignature.MAX_DER) {
                throw new FwZipException(
                        Problem.BAD_SIGNATURE_FIELD,
                        entry,
                        at,
                        k + " decodes to " + der.length + " bytes, not a plausible signature");
            }
            sigs.add(new FwSignature(slot, der));
        }
        sigs.sort(Comparator.comparingInt(FwSignature::slot));
        return new Decoded(List.copyOf(sigs), attrs);
    }

    /**
     * The extra field bytes (header included), or an empty array when there is nothing to store.
     */
    static byte[] encode(List<FwSignature> sigs, Map<String, JsonNode> attrs)
            throws FwZipException {
        if (sigs.isEmpty() && attrs.isEmpty()) {
            return new byte[0];
        }
        ObjectNode o = FwJson.object();
        attrs.forEach((k, v) -> o.set(k, v.deepCopy()));
        for (FwSignature s : sigs) {
            if (o.has(s.key())) {
                throw new FwZipException(
                        Problem.INVALID_ARGUMENT, "signature slot " + s.slot() + " is given twice");
            }
            o.put(s.key(), s.base64());
        }
        byte[] json = FwJson.compact(o);
        if (json.length > ZipFormat.U16_MAX - 4) {
            throw new FwZipException(
                    Problem.LIMIT_EXCEEDED,
                    "signature field JSON is "
                            + json.length
                            + " bytes, too long for a ZIP extra field");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(json.length + 4);
        int id = ZipFormat.EXTRA_MOS_SIGNATURES;
        out.write(id & 0xff);
        out.write(id >>> 8);
        out.write(json.length & 0xff);
        out.write(json.length >>> 8);
        out.writeBytes(json);
        return out.toByteArray();
    }

    /** {@code extra} with any 0x293a field removed and {@code field} appended. */
    static byte[] replace(byte[] extra, byte[] field, String entry) throws FwZipException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(extra.length + field.length);
        for (ZipFormat.ExtraField f : ZipFormat.parseExtra(extra, entry, -1)) {
            if (f.id() != ZipFormat.EXTRA_MOS_SIGNATURES) {
                out.write(f.id() & 0xff);
                out.write(f.id() >>> 8);
                out.write(f.data().length & 0xff);
                out.write(f.data().length >>> 8);
                out.writeBytes(f.data());
            }
        }
        out.writeBytes(field);
        if (out.size() > ZipFormat.U16_MAX) {
            throw new FwZipException(Problem.LIMIT_EXCEEDED, entry, -1, "extra field too long");
        }
        return out.toByteArray();
    }
}
