package dev.meerkat.chip.kit;

import dev.meerkat.chip.ChipCommunicationException;
import dev.meerkat.chip.DeviceType;
import dev.meerkat.chip.Hex;
import dev.meerkat.chip.Transport;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A {@link Transport} that drives a chip behind a kit-protocol board (or the emulator's kit server)
 * the way cryptoauthlib's kit HAL does: scan {@code board:device(NN)}, select the device, then
 * {@code E:w()}, {@code E:t(...)}, {@code E:i()}, {@code E:s()}.
 */
public final class KitClientTransport implements Transport {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final char target;
    private boolean pending;
    private byte[] response;

    private KitClientTransport(Socket socket, InputStream in, OutputStream out, DeviceType type) {
        this.socket = socket;
        this.in = in;
        this.out = out;
        this.target = type.kitName().charAt(0);
    }

    /** Connects to a kit server and selects the first device of the given type. */
    public static KitClientTransport connect(String host, int port, DeviceType type)
            throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress(host, port), 5000);
        s.setTcpNoDelay(true);
        s.setSoTimeout(30_000);
        KitClientTransport t =
                new KitClientTransport(
                        s, new BufferedInputStream(s.getInputStream()), s.getOutputStream(), type);
        try {
            t.select(type);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return t;
    }

    private void select(DeviceType type) throws IOException {
        String want = type.kitName().substring(0, 4);
        for (int i = 0; i < 8; i++) {
            String reply = exchange(String.format("board:device(%02X)", i));
            String[] tokens = reply.trim().split(" ");
            int open = reply.indexOf('(');
            if (tokens.length < 2 || open < 0)
                throw new IOException("unexpected board:device reply: " + reply);
            if (tokens[0].startsWith(want)) {
                String address = reply.substring(open + 1, open + 3);
                exchange(target + ":physical:select(" + address + ")");
                return;
            }
        }
        throw new IOException("no " + type.kitName() + " on the kit");
    }

    private String exchange(String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return readLine();
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (c != 0 && c != '\r') b.write(c);
        }
        if (c < 0) throw new IOException("kit connection closed");
        return b.toString(StandardCharsets.US_ASCII);
    }

    /**
     * Parses {@code SS(hex)}; returns the data, throws if the kit status is not zero or the data is
     * empty.
     */
    private static byte[] data(String reply) {
        int open = reply.indexOf('(');
        int close = reply.indexOf(')', open + 1);
        if (open != 2 || close < 0)
            throw new ChipCommunicationException("malformed kit reply: " + reply);
        int status = Integer.parseInt(reply.substring(0, 2), 16);
        if (status != 0)
            throw new ChipCommunicationException(
                    String.format(Locale.ROOT, "kit status 0x%02X", status));
        return Hex.parse(reply.substring(open + 1, close));
    }

    private byte[] command(String cmd) {
        try {
            return data(exchange(target + ":" + cmd));
        } catch (IOException e) {
            throw new ChipCommunicationException("kit I/O failed", e);
        }
    }

    @Override
    public byte[] sendWake() {
        pending = false;
        response = null;
        return command("w()");
    }

    @Override
    public void send(byte[] packet) {
        try {
            out.write(
                    (target + ":t(" + Hex.format(packet) + ")\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
        } catch (IOException e) {
            throw new ChipCommunicationException("kit I/O failed", e);
        }
        pending = true;
        response = null;
    }

    @Override
    public byte[] receive() {
        if (pending) {
            pending = false;
            try {
                byte[] r = data(readLine());
                if (r.length == 0)
                    throw new ChipCommunicationException("no response from the chip");
                response = r;
            } catch (IOException e) {
                throw new ChipCommunicationException("kit I/O failed", e);
            }
        }
        if (response == null) throw new ChipCommunicationException("no response pending");
        return response.clone();
    }

    @Override
    public void idle() {
        command("i()");
    }

    @Override
    public void sleep() {
        command("s()");
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
