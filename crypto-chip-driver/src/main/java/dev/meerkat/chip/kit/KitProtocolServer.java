package dev.meerkat.chip.kit;

import dev.meerkat.chip.emulator.EmulatedChip;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Serves an {@link EmulatedChip} over TCP with the kit protocol, one line per request. NUL and CR
 * bytes are ignored (cryptoauthlib's kit HAL sends the string terminator and HID padding). Several
 * clients may connect; the chip itself serialises their commands. A serial or pseudo-terminal link
 * can be bridged to the port, e.g. {@code socat pty,link=/tmp/kit,raw,echo=0 tcp:127.0.0.1:PORT}.
 */
public final class KitProtocolServer implements AutoCloseable {
    private static final int MAX_LINE = 4096;

    private final EmulatedChip chip;
    private final ServerSocket server;
    private final Set<Socket> clients = ConcurrentHashMap.newKeySet();
    private final Consumer<String> log;
    private final Thread acceptor;

    public KitProtocolServer(EmulatedChip chip, InetAddress bind, int port, Consumer<String> log)
            throws IOException {
        this.chip = chip;
        this.log = log == null ? s -> {} : log;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(bind, port));
        this.acceptor = new Thread(this::acceptLoop, "kit-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                clients.add(s);
                Thread t = new Thread(() -> serve(s), "kit-client-" + s.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!server.isClosed()) log.accept("accept failed: " + e.getMessage());
            }
        }
    }

    private void serve(Socket s) {
        KitInterpreter interpreter = new KitInterpreter(chip);
        try (s;
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream()) {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                if (b == 0 || b == '\r') continue;
                if (b != '\n') {
                    if (line.size() < MAX_LINE) line.write(b);
                    continue;
                }
                String request = line.toString(StandardCharsets.US_ASCII);
                line.reset();
                if (request.isBlank()) continue;
                String reply = interpreter.handle(request);
                log.accept("kit> " + request + "  < " + reply.trim());
                out.write(reply.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (SocketException closed) {
            // client went away
        } catch (IOException e) {
            log.accept("client error: " + e.getMessage());
        } finally {
            clients.remove(s);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : clients) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
