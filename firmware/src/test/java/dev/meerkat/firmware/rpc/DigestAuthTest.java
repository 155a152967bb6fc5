package dev.meerkat.firmware.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Digest responses computed as RFC 7616 section 3.4.1 defines them (MD5, qop=auth). */
class DigestAuthTest {

    private static final RpcCredentials USERS =
            RpcCredentials.parse(
                    RpcCredentials.htdigestLine("Mufasa", "meerkat", "Circle of Life".toCharArray())
                            .getBytes(StandardCharsets.UTF_8));

    private static String md5(String s) throws Exception {
        return HexFormat.of()
                .formatHex(
                        MessageDigest.getInstance("MD5")
                                .digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static String header(String nonce, String nc, String uri, String password)
            throws Exception {
        String ha1 = md5("Mufasa:meerkat:" + password);
        String resp = md5(ha1 + ":" + nonce + ":" + nc + ":0a4f113b:auth:" + md5("POST:" + uri));
        return "Digest username=\"Mufasa\", realm=\"meerkat\", nonce=\""
                + nonce
                + "\", uri=\""
                + uri
                + "\", qop=auth, nc="
                + nc
                + ", cnonce=\"0a4f113b\", response=\""
                + resp
                + "\"";
    }

    @Test
    void htdigestLinesHoldHa1() throws Exception {
        assertThat(RpcCredentials.htdigestLine("Mufasa", "meerkat", "Circle of Life".toCharArray()))
                .isEqualTo("Mufasa:meerkat:" + md5("Mufasa:meerkat:Circle of Life") + "\n");
        assertThat(USERS.ha1("Mufasa", "other")).isEmpty();
    }

    @Test
    void acceptsOnceRefusesReplaysWrongPasswordsForeignAndStaleNonces() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000);
        DigestAuth d = new DigestAuth("meerkat", new SecureRandom(), now::get);
        String nonce = d.nonce();
        String h = header(nonce, "00000001", "/rpc/Sys.GetInfo", "Circle of Life");
        assertThat(d.verifyHeader("POST", "/rpc/Sys.GetInfo", h, USERS))
                .isEqualTo(new DigestAuth.Outcome.Authenticated("Mufasa"));
        assertThat(d.verifyHeader("POST", "/rpc/Sys.GetInfo", h, USERS))
                .isInstanceOf(DigestAuth.Outcome.Refused.class);
        assertThat(
                        d.verifyHeader(
                                "POST",
                                "/rpc/Sys.GetInfo",
                                header(nonce, "00000002", "/rpc/Sys.GetInfo", "Circle of Life"),
                                USERS))
                .isInstanceOf(DigestAuth.Outcome.Authenticated.class);
        assertThat(
                        d.verifyHeader(
                                "POST",
                                "/rpc/Sys.GetInfo",
                                header(nonce, "00000003", "/rpc/Sys.GetInfo", "wrong"),
                                USERS))
                .isEqualTo(new DigestAuth.Outcome.Refused("wrong user or password", false));
        // a nonce from another device (or boot) is unknown
        String foreign = new DigestAuth("meerkat", new SecureRandom(), now::get).nonce();
        assertThat(
                        d.verifyHeader(
                                "POST",
                                "/rpc/Sys.GetInfo",
                                header(foreign, "00000001", "/rpc/Sys.GetInfo", "Circle of Life"),
                                USERS))
                .isEqualTo(new DigestAuth.Outcome.Refused("unknown nonce", false));
        // expired: stale, so the client may retry with a fresh nonce
        now.addAndGet(DigestAuth.NONCE_LIFETIME_MILLIS + 1);
        assertThat(
                        d.verifyHeader(
                                "POST",
                                "/rpc/Sys.GetInfo",
                                header(nonce, "00000009", "/rpc/Sys.GetInfo", "Circle of Life"),
                                USERS))
                .isEqualTo(new DigestAuth.Outcome.Refused("stale nonce", true));
        assertThat(d.challenge(true))
                .startsWith("Digest realm=\"meerkat\", qop=\"auth\", algorithm=MD5, nonce=\"")
                .endsWith(", stale=true");
        assertThat(d.verifyHeader("POST", "/rpc/Sys.GetInfo", "Basic TXVmYXNhOmNpcmNsZQ==", USERS))
                .isInstanceOf(DigestAuth.Outcome.Refused.class);
        assertThat(DigestAuth.params("a=\"x\\\"y\", b=tok, a=1")).as("repeated parameter").isNull();
        assertThat(DigestAuth.params("a=\"x\\\"y\", b=tok"))
                .containsEntry("a", "x\"y")
                .containsEntry("b", "tok");
    }
}
