package dev.meerkat.chip;

import java.security.interfaces.ECPrivateKey;

final class EcKeysTestSupport {
    private EcKeysTestSupport() {}

    static byte[] scalar(ECPrivateKey key) {
        byte[] b = key.getS().toByteArray();
        byte[] out = new byte[32];
        int start = Math.max(0, b.length - 32);
        System.arraycopy(b, start, out, 32 - (b.length - start), b.length - start);
        return out;
    }
}
