package dev.meerkat.chip;

/**
 * The CRC-16 used on the ATECC508A/608 I/O channel and for lock summaries: polynomial 0x8005, data
 * bits fed least significant bit first, register starting at zero, no final XOR. On the wire the
 * two CRC bytes follow the data low byte first.
 */
public final class Crc16 {
    private static final int POLY = 0x8005;

    private Crc16() {}

    /**
     * CRC of {@code len} bytes of {@code data} starting at {@code off}, as an unsigned 16-bit
     * value.
     */
    public static int compute(byte[] data, int off, int len) {
        int crc = 0;
        for (int i = off; i < off + len; i++) {
            int b = data[i] & 0xFF;
            for (int bit = 0; bit < 8; bit++) {
                int dataBit = (b >>> bit) & 1;
                int crcBit = (crc >>> 15) & 1;
                crc = (crc << 1) & 0xFFFF;
                if (dataBit != crcBit) crc ^= POLY;
            }
        }
        return crc;
    }

    public static int compute(byte[] data) {
        return compute(data, 0, data.length);
    }

    /** The CRC as it appears on the wire: low byte first. */
    public static byte[] wire(byte[] data, int off, int len) {
        int crc = compute(data, off, len);
        return new byte[] {(byte) crc, (byte) (crc >>> 8)};
    }

    /**
     * True if the last two bytes of {@code packet[0..len)} are the CRC of the bytes before them.
     */
    public static boolean check(byte[] packet, int len) {
        if (len < 3) return false;
        int crc = compute(packet, 0, len - 2);
        return (packet[len - 2] & 0xFF) == (crc & 0xFF) && (packet[len - 1] & 0xFF) == (crc >>> 8);
    }
}
