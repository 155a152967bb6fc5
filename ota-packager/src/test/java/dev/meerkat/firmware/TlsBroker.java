package dev.meerkat.firmware;

import java.nio.file.Path;

/**
 * The firmware tests' Mosquitto broker (mutual TLS, client certificates from a {@link TestCa}),
 * opened to the command-line tests.
 */
public final class TlsBroker implements AutoCloseable {

    private final Mosquitto broker;

    public TlsBroker(TestCa ca, Path dir) throws Exception {
        broker = new Mosquitto(ca.pki, dir);
    }

    public int port() {
        return broker.port;
    }

    @Override
    public void close() throws InterruptedException {
        broker.close();
    }
}
