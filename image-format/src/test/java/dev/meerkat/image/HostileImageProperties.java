package dev.meerkat.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Mutated images (truncated, bit-flipped, fields overwritten with extreme values, TLVs overlapping)
 * must only ever produce {@link ImageFormatException}, or verify when the mutation did not touch
 * anything covered (padding). Nothing else may escape and nothing may be sized from the input.
 */
class HostileImageProperties {

    private static final List<String> IMAGES =
            List.of(
                    "img-ecdsa-p256.bin",
                    "img-ed25519.bin",
                    "img-rsa-2048.bin",
                    "img-ecdsa-p256-dep-hdr20.bin",
                    "img-ecdsa-p256-enc-ec256-aes128.bin",
                    "img-ed25519-enc-x25519.bin",
                    "img-ecdsa-p256-padded-test.bin",
                    "img-unsigned-sha256.bin");

    /** A mutation applied to a copy of an image. */
    interface Mutation {
        byte[] apply(byte[] image);
    }

    @Provide
    Arbitrary<String> images() {
        return Arbitraries.of(IMAGES);
    }

    @Provide
    Arbitrary<Mutation> mutations() {
        Arbitrary<Mutation> truncate =
                Arbitraries.doubles()
                        .between(0, 1)
                        .map(f -> img -> Arrays.copyOf(img, (int) (img.length * f)));
        Arbitrary<Mutation> flip =
                Combinators.combine(
                                Arbitraries.doubles().between(0, 1),
                                Arbitraries.integers().between(0, 7))
                        .as(
                                (f, bit) ->
                                        img -> {
                                            byte[] c = img.clone();
                                            if (c.length == 0) return c;
                                            int i = Math.min(c.length - 1, (int) (c.length * f));
                                            c[i] ^= (byte) (1 << bit);
                                            return c;
                                        });
        // Extreme values written over header fields and around the TLV areas (lengths, magics).
        Arbitrary<Integer> extreme =
                Arbitraries.oneOf(
                        Arbitraries.of(0, 1, 3, 4, 0x7FFF, 0x8000, 0xFFFF, 0xFFFE),
                        Arbitraries.integers().between(0, 0xFFFF));
        Arbitrary<Mutation> field =
                Combinators.combine(
                                Arbitraries.integers().between(0, 15),
                                extreme,
                                Arbitraries.of(2, 4))
                        .as(
                                (slot, value, width) ->
                                        img -> {
                                            byte[] c = img.clone();
                                            put(c, slot * 2, value, width);
                                            return c;
                                        });
        Arbitrary<Mutation> tlvField =
                Combinators.combine(Arbitraries.integers().between(0, 400), extreme)
                        .as(
                                (delta, value) ->
                                        img -> {
                                            byte[] c = img.clone();
                                            int tlvOff = tlvOffset(c);
                                            if (tlvOff < 0) return c;
                                            put(c, tlvOff + delta, value, 2);
                                            return c;
                                        });
        Arbitrary<Mutation> hugeSizes =
                Arbitraries.of(
                        img -> withInt(img, 12, 0xFFFF_FFFF),
                        img -> withInt(img, 12, 0x7FFF_FFFF),
                        img -> withInt(img, 12, 0x8000_0000),
                        img -> withShort(img, 8, 0xFFFF),
                        img -> withShort(img, 10, 0xFFFF),
                        img -> withShort(img, 10, 4),
                        img -> withShort(img, 8, 0));
        // A TLV whose declared length covers its successors: overlapping entries.
        Arbitrary<Mutation> overlap =
                Arbitraries.integers()
                        .between(0, 4)
                        .map(
                                k ->
                                        img -> {
                                            byte[] c = img.clone();
                                            int off = tlvOffset(c);
                                            if (off < 0) return c;
                                            int unprot =
                                                    off + (((c[10] & 0xFF) | (c[11] & 0xFF) << 8));
                                            int entry = unprot + 4;
                                            for (int i = 0; i < k && entry + 4 <= c.length; i++) {
                                                entry +=
                                                        4
                                                                + ((c[entry + 2] & 0xFF)
                                                                        | (c[entry + 3] & 0xFF)
                                                                                << 8);
                                            }
                                            if (entry + 4 <= c.length) put(c, entry + 2, 0xFFF0, 2);
                                            return c;
                                        });
        return Arbitraries.oneOf(truncate, flip, field, tlvField, hugeSizes, overlap)
                .list()
                .ofMinSize(1)
                .ofMaxSize(3)
                .map(
                        ms ->
                                img -> {
                                    byte[] r = img;
                                    for (Mutation m : ms) r = m.apply(r);
                                    return r;
                                });
    }

    @Property(tries = 1500)
    void mutatedImagesOnlyFailWithTypedErrors(
            @ForAll("images") String name, @ForAll("mutations") Mutation m) {
        byte[] mutated = m.apply(Vectors.bytes(name));
        ImageVerifier v = verifierFor(name);
        try {
            VerifiedImage r = v.verify(ImageSource.of(mutated));
            // Only a change outside the hashed region and TLVs (e.g. slot padding) can leave it
            // valid.
            assertThat(r.hash()).isEqualTo(v.verify(ImageSource.of(Vectors.bytes(name))).hash());
        } catch (ImageFormatException e) {
            assertThat(e.problem()).isNotNull();
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 300)
    void dumpOfMutatedImagesOnlyFailsWithTypedErrors(
            @ForAll("images") String name, @ForAll("mutations") Mutation m) {
        byte[] mutated = m.apply(Vectors.bytes(name));
        try {
            ImageDump.describe(name, ImageSource.of(mutated));
        } catch (ImageFormatException e) {
            assertThat(e.problem()).isNotNull();
        }
    }

    /**
     * A source that claims to be enormous: parsing must not allocate or read according to the
     * claim.
     */
    @Property(tries = 200)
    void hugeClaimedSizesAreNotTrusted(
            @ForAll("images") String name, @ForAll("mutations") Mutation m) {
        byte[] content = m.apply(Vectors.bytes(name));
        long[] readBytes = {0};
        ImageSource huge =
                new ImageSource() {
                    @Override
                    public long size() {
                        return 1L << 40;
                    }

                    @Override
                    public void read(long offset, byte[] dst, int off, int len) throws IOException {
                        readBytes[0] += len;
                        if (readBytes[0] > 64L << 20)
                            throw new IOException("read budget exhausted");
                        Arrays.fill(dst, off, off + len, (byte) 0xFF);
                        if (offset < content.length) {
                            System.arraycopy(
                                    content,
                                    (int) offset,
                                    dst,
                                    off,
                                    (int) Math.min(len, content.length - offset));
                        }
                    }
                };
        try {
            ParsedImage.parse(huge);
        } catch (ImageFormatException e) {
            assertThat(e.problem()).isNotNull();
        }
        assertThat(readBytes[0]).isLessThanOrEqualTo(2 * 0x10000 + 64);
    }

    private static ImageVerifier verifierFor(String name) {
        ImageVerifier v;
        if (name.contains("unsigned")) {
            v = ImageVerifier.hashOnly();
        } else {
            String key =
                    name.startsWith("img-ed25519")
                            ? "key-ed25519.pem"
                            : name.startsWith("img-rsa-2048")
                                    ? "key-rsa-2048.pem"
                                    : "key-ecdsa-p256.pem";
            v = ImageVerifier.trusting(VerificationKey.fromPem(Vectors.text(key)));
        }
        if (name.contains("enc-ec256"))
            v = v.withDecryptionKey(DecryptionKey.fromPem(Vectors.text("key-enc-p256.pem"), null));
        if (name.contains("enc-x25519"))
            v = v.withDecryptionKey(DecryptionKey.fromPem(Vectors.text("key-x25519.pem"), null));
        return v;
    }

    private static int tlvOffset(byte[] c) {
        if (c.length < 32) return -1;
        long hdr = (c[8] & 0xFF) | (c[9] & 0xFF) << 8;
        long img =
                (c[12] & 0xFFL)
                        | (c[13] & 0xFFL) << 8
                        | (c[14] & 0xFFL) << 16
                        | (c[15] & 0xFFL) << 24;
        long off = hdr + img;
        return off + 4 <= c.length ? (int) off : -1;
    }

    private static void put(byte[] c, int at, int value, int width) {
        for (int i = 0; i < width && at + i < c.length; i++) c[at + i] = (byte) (value >>> (8 * i));
    }

    private static byte[] withShort(byte[] img, int at, int v) {
        byte[] c = img.clone();
        put(c, at, v, 2);
        return c;
    }

    private static byte[] withInt(byte[] img, int at, int v) {
        byte[] c = img.clone();
        put(c, at, v, 4);
        return c;
    }
}
