package dev.meerkat.firmware;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;

/**
 * The firmware tests' throwaway CA, opened to the command-line tests (it lives in this package).
 */
public final class TestCa {

    final TestPki pki;

    public TestCa() throws Exception {
        pki = new TestPki();
    }

    /** The CA certificate, PEM. */
    public String caPem() {
        return pki.ca.certPem();
    }

    /**
     * A certificate for {@code cn} (with 127.0.0.1 and localhost as names when {@code server}): PEM
     * cert and key.
     */
    public String[] issue(String cn, boolean server) throws Exception {
        TestPki.Issued id = pki.issue(cn, server);
        return new String[] {id.certPem(), id.keyPem()};
    }

    /**
     * Writes a client certificate for {@code cn} and its key as {@code <cn>.pem}, {@code <cn>.key}
     * into dir.
     */
    public Path[] issueClient(String cn, Path dir) throws Exception {
        String[] id = issue(cn, false);
        return new Path[] {
            Files.writeString(dir.resolve(cn + ".pem"), id[0]),
            Files.writeString(dir.resolve(cn + ".key"), id[1])
        };
    }

    /** A certificate for a key held elsewhere (a chip), PEM. */
    public String certify(String cn, PublicKey key) throws Exception {
        return TestPki.pem(pki.issueFor(cn, key));
    }
}
