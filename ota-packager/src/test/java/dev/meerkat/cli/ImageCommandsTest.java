package dev.meerkat.cli;

import static dev.meerkat.cli.Cli.run;
import static dev.meerkat.cli.Cli.vector;
import static org.assertj.core.api.Assertions.assertThat;

import dev.meerkat.image.SigningKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageCommandsTest {

    @TempDir Path tmp;

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "keygen",
                "getpub",
                "sign",
                "verify",
                "dumpinfo",
                "decrypt",
                "demo",
                "bench",
                "package"
            })
    void everyCommandHasHelp(String command) {
        Cli.Run r = command.isEmpty() ? run("--help") : run(command, "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("Usage: meerkat");
    }

    @Test
    void signReproducesImgtoolsEd25519ImageByteForByte() throws Exception {
        Path out = tmp.resolve("out.bin");
        Cli.Run r =
                run(
                        "sign",
                        "-k",
                        vector("key-ed25519.pem"),
                        "-H",
                        "0x200",
                        "--pad-header",
                        "-v",
                        "2.0.0",
                        "-S",
                        "0x20000",
                        vector("app-16k.bin"),
                        out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(out))
                .isEqualTo(Files.readAllBytes(Path.of(vector("img-ed25519.bin"))));
    }

    @Test
    void verifyExitCodesAreScriptable() throws Exception {
        assertThat(
                        run(
                                        "verify",
                                        "-k",
                                        vector("key-ecdsa-p256.pem"),
                                        vector("img-ecdsa-p256.bin"))
                                .exitCode())
                .isEqualTo(0);
        Cli.Run wrongKey =
                run("verify", "-k", vector("key-ed25519.pem"), vector("img-ecdsa-p256.bin"));
        assertThat(wrongKey.exitCode()).isEqualTo(1);
        assertThat(wrongKey.err())
                .contains("img-ecdsa-p256.bin: invalid: at offset")
                .contains("not among");
        assertThat(wrongKey.err().lines().count()).isEqualTo(1);
        assertThat(run("verify").exitCode()).isEqualTo(2);
        assertThat(run("verify", "--no-such-option", "x").exitCode()).isEqualTo(2);
        assertThat(run("verify", tmp.resolve("missing.bin").toString()).exitCode()).isEqualTo(3);
        Path tampered = tmp.resolve("t.bin");
        byte[] img = Files.readAllBytes(Path.of(vector("img-ecdsa-p256.bin")));
        img[0x300] ^= 4;
        Files.write(tampered, img);
        Cli.Run bad =
                run("verify", "--json", "-k", vector("key-ecdsa-p256.pem"), tampered.toString());
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.out()).contains("\"valid\":false").contains("\"problem\":\"HASH_MISMATCH\"");
    }

    @Test
    void encryptedVectorsVerifyAndDecryptWithTheirKeys() throws Exception {
        assertThat(
                        run(
                                        "verify",
                                        "-k",
                                        vector("key-ecdsa-p256.pem"),
                                        "--enc-key",
                                        vector("key-enc-p256.pem"),
                                        vector("img-ecdsa-p256-enc-ec256-aes256.bin"))
                                .exitCode())
                .isZero();
        Path plain = tmp.resolve("plain.bin");
        Cli.Run r =
                run(
                        "decrypt",
                        "--enc-key",
                        vector("key-x25519.pem"),
                        "-k",
                        vector("key-ed25519.pem"),
                        "--payload-only",
                        vector("img-ed25519-enc-x25519.bin"),
                        plain.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(Files.readAllBytes(plain))
                .isEqualTo(Files.readAllBytes(Path.of(vector("app-16k.bin"))));
        Path full = tmp.resolve("full.bin");
        assertThat(
                        run(
                                        "decrypt",
                                        "--enc-key",
                                        vector("key-enc-p256.pem"),
                                        vector("img-ecdsa-p256-enc-ec256-aes128.bin"),
                                        full.toString())
                                .exitCode())
                .isZero();
        assertThat(Files.size(full))
                .isEqualTo(Files.size(Path.of(vector("img-ecdsa-p256-enc-ec256-aes128.bin"))));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "img-ecdsa-p256.bin",
                "img-rsa-3072.bin",
                "img-ecdsa-p256-padded-confirmed.bin",
                "img-ecdsa-p256-dep-hdr20.bin",
                "img-ed25519-enc-x25519.bin"
            })
    void dumpinfoJsonIsImgtoolsJson(String image) throws Exception {
        Cli.Run r = run("dumpinfo", "-f", "json", vector(image));
        assertThat(r.exitCode()).isZero();
        String expected =
                Files.readString(Path.of(vector(image.replace(".bin", ".dumpinfo.json"))));
        assertThat(r.out().strip()).isEqualTo(expected.strip());
    }

    @Test
    void remoteSigningFlowWithVectorToSignAndFixSig() throws Exception {
        Path digest = tmp.resolve("digest.bin");
        String[] common = {"-H", "0x200", "--pad-header", "-v", "1.0.0", "-s", "3"};
        assertThat(
                        run(concat(
                                        new String[] {"sign", "--vector-to-sign", "digest"},
                                        common,
                                        new String[] {vector("app-16k.bin"), digest.toString()}))
                                .exitCode())
                .isZero();
        assertThat(Files.size(digest)).isEqualTo(32);
        // The signing party (e.g. an HSM) signs the 32-byte digest; only the digest left the build
        // machine.
        SigningKey hsm =
                SigningKey.fromPem(Files.readString(Path.of(vector("key-ecdsa-p256.pem"))), null);
        Path sig = tmp.resolve("sig.b64");
        Files.writeString(
                sig,
                Base64.getEncoder().encodeToString(hsm.signDigest(Files.readAllBytes(digest))));
        Path pub = tmp.resolve("pub.pem");
        assertThat(
                        run(
                                        "getpub",
                                        "-k",
                                        vector("key-ecdsa-p256.pem"),
                                        "-e",
                                        "pem",
                                        "-o",
                                        pub.toString())
                                .exitCode())
                .isZero();
        Path img = tmp.resolve("img.bin");
        Cli.Run r =
                run(
                        concat(
                                new String[] {
                                    "sign",
                                    "--fix-sig",
                                    sig.toString(),
                                    "--fix-sig-pubkey",
                                    pub.toString()
                                },
                                common,
                                new String[] {vector("app-16k.bin"), img.toString()}));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(run("verify", "-k", pub.toString(), img.toString()).exitCode()).isZero();
        // A signature over something else is refused, and no image is written.
        Files.writeString(sig, Base64.getEncoder().encodeToString(hsm.signDigest(new byte[32])));
        Path img2 = tmp.resolve("img2.bin");
        Cli.Run bad =
                run(
                        concat(
                                new String[] {
                                    "sign",
                                    "--fix-sig",
                                    sig.toString(),
                                    "--fix-sig-pubkey",
                                    pub.toString()
                                },
                                common,
                                new String[] {vector("app-16k.bin"), img2.toString()}));
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.err()).contains("does not verify");
        assertThat(img2).doesNotExist();
        try (var files = Files.list(tmp)) {
            assertThat(files.map(Path::getFileName).map(Path::toString))
                    .noneMatch(n -> n.endsWith(".tmp"));
        }
    }

    @Test
    void intelHexInAndOut() throws Exception {
        Path hex = tmp.resolve("signed.hex");
        Cli.Run r =
                run(
                        "sign",
                        "-k",
                        vector("key-ed25519.pem"),
                        "-H",
                        "0x200",
                        "--pad-header",
                        "-v",
                        "2.0.0",
                        "-x",
                        "0x08020000",
                        vector("app-16k.bin"),
                        hex.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(Files.readString(hex)).startsWith(":020000040802F0").endsWith(":00000001FF\n");
        assertThat(run("verify", "-k", vector("key-ed25519.pem"), hex.toString()).exitCode())
                .isZero();
        Path resigned = tmp.resolve("resigned.bin");
        assertThat(
                        run(
                                        "sign",
                                        "-H",
                                        "0x20",
                                        "-v",
                                        "1.0.0",
                                        hex.toString(),
                                        resigned.toString())
                                .exitCode())
                .isNotZero();
    }

    @Test
    void keygenAndGetpub() throws Exception {
        Path key = tmp.resolve("k.pem");
        Cli.Run r = run("keygen", "-t", "ecdsa-p384", "-k", key.toString());
        assertThat(r.exitCode()).isZero();
        assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(run("keygen", "-t", "ecdsa-p384", "-k", key.toString()).exitCode()).isEqualTo(2);
        assertThat(
                        run("keygen", "-t", "dsa-1024", "-k", tmp.resolve("x.pem").toString())
                                .exitCode())
                .isEqualTo(2);
        Cli.Run c = run("getpub", "-k", vector("key-rsa-2048.pem"), "-e", "lang-c");
        assertThat(c.out())
                .contains("const unsigned char rsa_pub_key[]")
                .contains("rsa_pub_key_len = 270;");
        Cli.Run kh = run("getpub", "-k", vector("key-ecdsa-p256.pem"), "-e", "keyhash");
        assertThat(kh.out().strip())
                .isEqualTo("978b4baf48365fcc9df1744e9cabe419c954d84ed6c6a422023f1d9e234cd0ca");
        Path sel = tmp.resolve("signed.bin");
        assertThat(
                        run(
                                        "sign",
                                        "-k",
                                        key.toString(),
                                        "-H",
                                        "0x200",
                                        "--pad-header",
                                        "-v",
                                        "1.0.0",
                                        vector("app-16k.bin"),
                                        sel.toString())
                                .exitCode())
                .isZero();
        assertThat(run("verify", "-k", key.toString(), sel.toString()).exitCode()).isZero();
    }

    @Test
    void paddedTestAndConfirmedImagesCarryTheTrailer() throws Exception {
        Path conf = tmp.resolve("c.bin");
        assertThat(
                        run(
                                        "sign",
                                        "-k",
                                        vector("key-ed25519.pem"),
                                        "-H",
                                        "0x200",
                                        "--pad-header",
                                        "-v",
                                        "1.0.0",
                                        "-S",
                                        "0x20000",
                                        "--confirm",
                                        "--align",
                                        "8",
                                        vector("app-16k.bin"),
                                        conf.toString())
                                .exitCode())
                .isZero();
        byte[] b = Files.readAllBytes(conf);
        assertThat(b).hasSize(0x20000);
        assertThat(HexFormat.of().formatHex(b, b.length - 16, b.length))
                .isEqualTo("77c295f360d2ef7f3552500f2cb67980");
        assertThat(b[b.length - 24]).isEqualTo((byte) 1);
        Cli.Run tooSmall =
                run(
                        "sign",
                        "-H",
                        "0x200",
                        "--pad-header",
                        "-v",
                        "1.0.0",
                        "-S",
                        "0x4000",
                        "--pad",
                        vector("app-16k.bin"),
                        tmp.resolve("x.bin").toString());
        assertThat(tooSmall.exitCode()).isEqualTo(2);
        assertThat(tooSmall.err()).contains("exceeds the slot size");
    }

    private static String[] concat(String[]... parts) {
        return java.util.Arrays.stream(parts)
                .flatMap(java.util.Arrays::stream)
                .toArray(String[]::new);
    }
}
