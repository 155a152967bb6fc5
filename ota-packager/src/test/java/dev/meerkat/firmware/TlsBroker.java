package dev.meerkat.firmware;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;

/**
 * The firmware tests' throwaway CA and Mosquitto broker (mutual TLS, client certificates from the
 * CA), opened to the command-line tests: they live in this package, so they are reached from here.
 */
public final class TlsBroker implements AutoCloseable {

    private final TestPki pki;
    private final Mosquitto broker;

    public TlsBroker(Path dir) throws Exception {
        pki = new TestPki();
        broker = new Mosquitto(pki, dir);
    }

    public int port() {
        return broker.port;
    }

    /** The CA certificate, PEM. */
    public String caPem() {
        return pki.ca.certPem();
    }

    /** Writes a client certificate for {@code cn} and its key as {@code <cn>.pem}, {@code <cn>.key} into dir. */
    public Path[] issueClient(String cn, Path dir) throws Exception {
        TestPki.Issued id = pki.issue(cn, false);
        Path cert = Files.writeString(dir.resolve(cn + ".pem"), id.certPem());
        Path key = Files.writeString(dir.resolve(cn + ".key"), id.keyPem());
        return new Path[] {cert, key};
    }

    /** A certificate for a key held elsewhere (a chip), PEM. */
    public String certify(String cn, PublicKey key) throws Exception {
        return TestPki.pem(pki.issueFor(cn, key));
    }

    @Override
    public void close() throws InterruptedException {
        broker.close();
    }
}
