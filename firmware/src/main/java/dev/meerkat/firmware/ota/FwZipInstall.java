package dev.meerkat.firmware.ota;

import dev.meerkat.fwzip.FwBundle;
import dev.meerkat.fwzip.FwPart;
import dev.meerkat.fwzip.FwVerification;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Installs a Mongoose OS fw.zip: its {@code app} part (an MCUboot image, checked against the
 * manifest's size and hashes) goes through {@link OtaUpdate}'s upload path, so the image is
 * prechecked, installed and test-booted as any other. The manifest's signature was checked by
 * whoever released the bundle; the image inside carries its own, which the bootloader verifies.
 * Unlike a URL download, an upload does not resume after a reset: it ends {@code failed} and the
 * channel offers it again.
 */
public final class FwZipInstall {

    /** Bundles larger than this are refused before they are read. */
    public static final int MAX_BUNDLE = 8 << 20;

    private static final int CHUNK = 16 * 1024;

    private FwZipInstall() {}

    /**
     * Whether an artifact starting with {@code head} is a fw.zip: a zip archive starts with a local
     * file header ({@code PK\3\4}), an MCUboot image with its magic {@code 0x96f3b83d}, so the
     * first four bytes tell them apart whatever the server calls the file (fleet-service decides
     * the same way on upload).
     */
    public static boolean isFwZip(byte[] head) {
        return head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
    }

    /**
     * A whole bundle: {@code head} (bytes already read) followed by the rest of {@code in}.
     *
     * @throws IOException when reading fails or the bundle is larger than {@link #MAX_BUNDLE}
     */
    public static byte[] read(byte[] head, InputStream in, String source) throws IOException {
        byte[] rest = in.readNBytes(MAX_BUNDLE + 1 - head.length);
        if (head.length + rest.length > MAX_BUNDLE) {
            throw new IOException(source + " is larger than " + MAX_BUNDLE + " bytes");
        }
        byte[] all = java.util.Arrays.copyOf(head, head.length + rest.length);
        System.arraycopy(rest, 0, all, head.length, rest.length);
        return all;
    }

    /**
     * Starts the update from {@code bundle}; the outcome goes to {@code ota}'s listeners like any
     * other (refusals of the image included).
     *
     * @throws IllegalArgumentException when the bundle is not a fw.zip with a valid app part
     * @throws OtaUpdate.BusyException when another update is in progress or under test
     */
    public static void install(OtaUpdate ota, String origin, byte[] bundle)
            throws OtaUpdate.BusyException {
        if (bundle.length > MAX_BUNDLE) {
            throw new IllegalArgumentException("fw.zip larger than " + MAX_BUNDLE + " bytes");
        }
        byte[] image;
        try (FwBundle b = FwBundle.open(bundle)) {
            FwVerification v = b.verify(List.of(), false);
            if (!v.valid()) {
                throw new IllegalArgumentException(
                        "fw.zip does not match its manifest: " + String.join("; ", v.problems()));
            }
            Optional<FwPart> app =
                    b.manifest().parts().values().stream()
                            .filter(p -> "app".equals(p.type()) && p.src() != null)
                            .findFirst();
            if (app.isEmpty()) {
                throw new IllegalArgumentException("fw.zip has no app part");
            }
            try (InputStream in = b.openPart(app.get().name())) {
                image = in.readNBytes(MAX_BUNDLE + 1);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not a usable fw.zip: " + e.getMessage());
        }
        ota.beginUpload(origin, image.length, OptionalLong.empty());
        for (int off = 0; off < image.length && ota.uploading(); off += CHUNK) {
            byte[] chunk =
                    java.util.Arrays.copyOfRange(image, off, Math.min(image.length, off + CHUNK));
            try {
                ota.upload(chunk);
            } catch (IllegalArgumentException refused) {
                return; // reported to the listeners as the update's outcome
            }
        }
        if (ota.uploading()) {
            ota.endUpload();
        }
    }
}
