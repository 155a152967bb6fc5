package dev.meerkat.e2e;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * A client of the ASCII kit protocol (the one cryptoauthlib's kit HAL speaks to a Microchip kit
 * board, and {@code meerkat chip serve} serves), written here from the protocol and the ATECC608
 * command format rather than taken from the driver module: lines {@code e:w()} (wake), {@code
 * e:t(<command packet hex>)} (talk: answered {@code 00(<response packet hex>)}) and {@code e:i()}
 * (idle). Two commands are enough to use a device key that never leaves its chip: GenKey in public
 * mode (the key's public half) and Nonce pass-through followed by Sign external (an ECDSA signature
 * over a 32-byte digest).
 */
final class KitChip implements AutoCloseable {
    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    private static final int NONCE = 0x16;
    private static final int SIGN = 0x41;
    private static final int GENKEY = 0x40;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private KitChip(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static KitChip connect(String host, int port) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 5000);
        s.setSoTimeout(30_000);
        s.setTcpNoDelay(true);
        return new KitChip(s);
    }

    /** The P-256 public key X||Y of the private key in {@code slot} (GenKey, public mode). */
    synchronized byte[] publicKey(int slot) throws IOException {
        return expect(command(GENKEY, 0x00, slot, null), 64, "GenKey");
    }

    /**
     * Signs a 32-byte digest inside the chip with the key in {@code slot}: Nonce pass-through loads
     * it into TempKey, Sign external signs TempKey. Returns r||s.
     */
    synchronized byte[] sign(int slot, byte[] digest) throws IOException {
        if (digest.length != 32) throw new IllegalArgumentException("a digest is 32 bytes");
        wake();
        try {
            expect(talk(packet(NONCE, 0x03, 0, digest)), 1, "Nonce");
            return expect(talk(packet(SIGN, 0x80, slot, null)), 64, "Sign");
        } finally {
            line("e:i()");
        }
    }

    private byte[] command(int opcode, int param1, int param2, byte[] data) throws IOException {
        wake();
        try {
            return talk(packet(opcode, param1, param2, data));
        } finally {
            line("e:i()");
        }
    }

    private void wake() throws IOException {
        String reply = line("e:w()");
        if (!reply.equals("00(04113343)")) throw new IOException("chip did not wake: " + reply);
    }

    /** Sends a command packet and returns the response's body after checking its count and CRC. */
    private byte[] talk(byte[] packet) throws IOException {
        String reply = line("e:t(" + HEX.formatHex(packet) + ")");
        if (!reply.startsWith("00(") || !reply.endsWith(")"))
            throw new IOException("kit refused the command: " + reply);
        byte[] r = HEX.parseHex(reply.substring(3, reply.length() - 1));
        int count = r.length == 0 ? 0 : r[0] & 0xFF;
        if (count < 4 || count > r.length || crc(r, count - 2) != le16(r, count - 2))
            throw new IOException("bad response packet: " + reply);
        byte[] body = new byte[count - 3];
        System.arraycopy(r, 1, body, 0, body.length);
        return body;
    }

    private static byte[] expect(byte[] body, int length, String what) throws IOException {
        if (length == 1 ? body.length != 1 || body[0] != 0 : body.length != length)
            throw new IOException(
                    what + " answered " + HEX.formatHex(body) + " (status byte or wrong length)");
        return body;
    }

    /** [count][opcode][param1][param2 lo][param2 hi][data][crc lo][crc hi]. */
    static byte[] packet(int opcode, int param1, int param2, byte[] data) {
        int n = 7 + (data == null ? 0 : data.length);
        byte[] p = new byte[n];
        p[0] = (byte) n;
        p[1] = (byte) opcode;
        p[2] = (byte) param1;
        p[3] = (byte) param2;
        p[4] = (byte) (param2 >>> 8);
        if (data != null) System.arraycopy(data, 0, p, 5, data.length);
        int crc = crc(p, n - 2);
        p[n - 2] = (byte) crc;
        p[n - 1] = (byte) (crc >>> 8);
        return p;
    }

    /** The chip's CRC-16: polynomial 0x8005, bits fed least significant first, no final XOR. */
    static int crc(byte[] data, int len) {
        int crc = 0;
        for (int i = 0; i < len; i++) {
            for (int bit = 0; bit < 8; bit++) {
                int dataBit = (data[i] >>> bit) & 1;
                int crcBit = (crc >>> 15) & 1;
                crc = (crc << 1) & 0xFFFF;
                if (dataBit != crcBit) crc ^= 0x8005;
            }
        }
        return crc;
    }

    private static int le16(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8;
    }

    private String line(String request) throws IOException {
        out.write((request + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != '\r' && c != 0) b.write(c);
        }
        if (c < 0) throw new IOException("kit connection closed after " + request);
        return b.toString(StandardCharsets.US_ASCII).strip();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
