package dev.meerkat.signing.pki;

import dev.meerkat.image.PemKeys;
import dev.meerkat.signing.refusal.Refusal;
import java.util.Base64;
import java.util.List;

/**
 * PEM as the PKI endpoints accept it: image-format's {@link PemKeys} does the encoding; this adds
 * bare base64 DER where a client sends one, and turns bad input into a refusal naming it.
 */
public final class Pem {
    private Pem() {}

    public static String encode(String type, byte[] der) {
        return PemKeys.block(type, der);
    }

    /** All PEM blocks of the given type, in order. */
    public static List<byte[]> decodeAll(String text, String type) {
        try {
            return PemKeys.blocks(text, type);
        } catch (IllegalArgumentException e) {
            throw Refusal.invalid(e.getMessage());
        }
    }

    /** One PEM block of {@code type}, or base64 DER. */
    public static byte[] decode(String text, String type) {
        if (text == null || text.isBlank())
            throw Refusal.invalid("no " + type.toLowerCase() + " given");
        if (text.contains("-----BEGIN")) {
            List<byte[]> all = decodeAll(text, type);
            if (all.isEmpty()) throw Refusal.invalid("no PEM block of type " + type);
            return all.get(0);
        }
        try {
            return Base64.getMimeDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            throw Refusal.invalid("neither PEM nor base64: " + e.getMessage());
        }
    }
}
