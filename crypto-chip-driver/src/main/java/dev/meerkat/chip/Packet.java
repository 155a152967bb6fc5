package dev.meerkat.chip;

import java.util.Arrays;

/**
 * Command and response packets. A command is {@code [count][opcode][param1][param2 lo][param2
 * hi][data..][crc lo][crc hi]} where count covers the whole packet including itself and the CRC; a
 * response is {@code [count][data or status][crc]}.
 */
public final class Packet {
    /** The four-byte block the chip answers after a wake pulse: count 4, status 0x11, CRC. */
    public static final byte[] WAKE_RESPONSE = {0x04, 0x11, 0x33, 0x43};

    /** Wake response of a chip whose power-on self test failed (status 0x07). */
    public static final byte[] WAKE_SELF_TEST_FAILED = {0x04, 0x07, (byte) 0xC4, 0x40};

    public static final int MIN_COMMAND = 7;
    public static final int MAX_COMMAND = 155;

    private Packet() {}

    public static byte[] command(int opcode, int param1, int param2, byte[] data) {
        int dataLen = data == null ? 0 : data.length;
        int count = MIN_COMMAND + dataLen;
        if (count > MAX_COMMAND)
            throw new IllegalArgumentException("command packet too long: " + count);
        byte[] p = new byte[count];
        p[0] = (byte) count;
        p[1] = (byte) opcode;
        p[2] = (byte) param1;
        p[3] = (byte) param2;
        p[4] = (byte) (param2 >>> 8);
        if (dataLen > 0) System.arraycopy(data, 0, p, 5, dataLen);
        int crc = Crc16.compute(p, 0, count - 2);
        p[count - 2] = (byte) crc;
        p[count - 1] = (byte) (crc >>> 8);
        return p;
    }

    /** A response packet carrying {@code body} (data, or a single status byte). */
    public static byte[] response(byte[] body) {
        byte[] p = new byte[body.length + 3];
        p[0] = (byte) p.length;
        System.arraycopy(body, 0, p, 1, body.length);
        int crc = Crc16.compute(p, 0, p.length - 2);
        p[p.length - 2] = (byte) crc;
        p[p.length - 1] = (byte) (crc >>> 8);
        return p;
    }

    public static byte[] statusResponse(int status) {
        return response(new byte[] {(byte) status});
    }

    /** The body of a response (between count and CRC) after checking count and CRC. */
    public static byte[] body(byte[] response) throws ChipCommunicationException {
        if (response == null || response.length < 4) {
            throw new ChipCommunicationException("short response: " + Hex.format(response));
        }
        int count = response[0] & 0xFF;
        if (count < 4 || count > response.length) {
            throw new ChipCommunicationException(
                    "bad response count " + count + ": " + Hex.format(response));
        }
        if (!Crc16.check(response, count)) {
            throw new ChipCommunicationException(
                    "response CRC mismatch: " + Hex.format(Arrays.copyOf(response, count)));
        }
        return Arrays.copyOfRange(response, 1, count - 2);
    }
}
