package dev.meerkat.signing.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

import dev.meerkat.signing.api.ProblemException;

/** PEM text to DER and back; also accepts bare base64 DER where a client sends one. */
public final class Pem {
    private Pem() {
    }

    public static String encode(String type, byte[] der) {
        StringWriter s = new StringWriter();
        try (PemWriter w = new PemWriter(s)) {
            w.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return s.toString();
    }

    /** All PEM blocks of the given type, in order. */
    public static List<byte[]> decodeAll(String text, String type) {
        List<byte[]> out = new ArrayList<>();
        try (PemReader r = new PemReader(new StringReader(text))) {
            PemObject o;
            while ((o = r.readPemObject()) != null) {
                if (o.getType().equals(type)) out.add(o.getContent());
            }
        } catch (IOException | RuntimeException e) {
            throw ProblemException.badRequest("malformed PEM: " + e.getMessage());
        }
        return out;
    }

    /** One PEM block of {@code type}, or base64 DER. */
    public static byte[] decode(String text, String type) {
        if (text == null || text.isBlank()) throw ProblemException.badRequest("no " + type.toLowerCase() + " given");
        if (text.contains("-----BEGIN")) {
            List<byte[]> all = decodeAll(text, type);
            if (all.isEmpty()) throw ProblemException.badRequest("no PEM block of type " + type);
            return all.get(0);
        }
        try {
            return Base64.getMimeDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest("neither PEM nor base64: " + e.getMessage());
        }
    }
}
