package dev.meerkat.signing.pki;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.junit.jupiter.api.Test;

/**
 * Certificates are issued on several threads at once; their subject and authority key identifiers
 * must each be the SHA-1 of the right key (a shared identifier helper once mixed them up).
 */
class KeyIdentifierConcurrencyTest {

    @Test
    void identifiersComputedConcurrentlyAreEachTheirKeysSha1() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        List<SubjectPublicKeyInfo> keys = new ArrayList<>();
        List<byte[]> expected = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            SubjectPublicKeyInfo spki =
                    SubjectPublicKeyInfo.getInstance(g.generateKeyPair().getPublic().getEncoded());
            keys.add(spki);
            expected.add(
                    MessageDigest.getInstance("SHA-1").digest(spki.getPublicKeyData().getBytes()));
        }
        AtomicInteger wrong = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int offset = t;
            Thread th =
                    new Thread(
                            () -> {
                                for (int i = 0; i < 50_000; i++) {
                                    int k = (i + offset) % keys.size();
                                    byte[] ski =
                                            Certificates.ext()
                                                    .createSubjectKeyIdentifier(keys.get(k))
                                                    .getKeyIdentifier();
                                    byte[] aki =
                                            Certificates.ext()
                                                    .createAuthorityKeyIdentifier(keys.get(k))
                                                    .getKeyIdentifier();
                                    if (!MessageDigest.isEqual(ski, expected.get(k))
                                            || !MessageDigest.isEqual(aki, expected.get(k))) {
                                        wrong.incrementAndGet();
                                    }
                                }
                            });
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) th.join();
        assertThat(wrong.get()).isZero();
    }
}
