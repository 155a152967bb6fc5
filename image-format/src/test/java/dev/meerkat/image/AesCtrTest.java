package dev.meerkat.image;

import static org.assertj.core.api.Assertions.assertThat;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class AesCtrTest {

    /**
     * Our keystream construction equals the JDK's AES/CTR for any split of the data into updates.
     */
    @Property(tries = 200)
    void matchesJdkCtrForAnySplit(
            @ForAll @Size(16) byte[] key16,
            @ForAll @IntRange(min = 0, max = 200_000) int length,
            @ForAll @IntRange(min = 1, max = 70_000) int step,
            @ForAll boolean aes256)
            throws Exception {
        byte[] key = aes256 ? java.util.Arrays.copyOf(key16, 32) : key16;
        byte[] data = new byte[length];
        new java.util.Random(length).nextBytes(data);
        Cipher jdk = Cipher.getInstance("AES/CTR/NoPadding");
        jdk.init(
                Cipher.ENCRYPT_MODE,
                new SecretKeySpec(key, "AES"),
                new IvParameterSpec(new byte[16]));
        byte[] expected = jdk.doFinal(data);
        byte[] ours = data.clone();
        AesCtr ctr = new AesCtr(key);
        for (int off = 0; off < ours.length; off += step)
            ctr.update(ours, off, Math.min(step, ours.length - off));
        assertThat(ours).isEqualTo(expected);
    }

    /** After a seek to any offset the stream equals the JDK's from that offset. */
    @Property(tries = 100)
    void seekContinuesTheStreamAtAnyOffset(
            @ForAll @Size(16) byte[] key,
            @ForAll @IntRange(min = 0, max = 5000) int from,
            @ForAll @IntRange(min = 0, max = 3000) int length)
            throws Exception {
        byte[] data = new byte[from + length];
        new java.util.Random(from).nextBytes(data);
        Cipher jdk = Cipher.getInstance("AES/CTR/NoPadding");
        jdk.init(
                Cipher.ENCRYPT_MODE,
                new SecretKeySpec(key, "AES"),
                new IvParameterSpec(new byte[16]));
        byte[] expected = jdk.doFinal(data);
        byte[] tail = java.util.Arrays.copyOfRange(data, from, data.length);
        AesCtr ctr = new AesCtr(key);
        ctr.update(new byte[7], 0, 7);
        ctr.seek(from);
        ctr.update(tail, 0, tail.length);
        assertThat(tail).isEqualTo(java.util.Arrays.copyOfRange(expected, from, expected.length));
    }
}
