package dev.meerkat.cli.pkg;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.fwzip.FwBundle;
import dev.meerkat.fwzip.FwKeys;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Random;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PackageCommandTest {
    @TempDir Path tmp;
    Path key;
    Path pub;
    Path otherPub;
    String out;
    String err;

    @BeforeEach
    void setUp() throws Exception {
        KeyPair kp = FwKeys.generate();
        key = tmp.resolve("key.pem");
        Files.writeString(key, pem(new JcaPKCS8Generator(kp.getPrivate(), null)));
        pub = tmp.resolve("pub.pem");
        Files.writeString(pub, pem(kp.getPublic()));
        otherPub = tmp.resolve("other.pem");
        Files.writeString(otherPub, pem(FwKeys.generate().getPublic()));
        byte[] app = new byte[3000];
        new Random(7).nextBytes(app);
        Files.write(tmp.resolve("app.bin"), app);
        Files.write(tmp.resolve("fs.img"), new byte[4096]);
    }

    static String pem(Object o) throws Exception {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter p = new JcaPEMWriter(w)) {
            p.writeObject(o);
        }
        return w.toString();
    }

    int run(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        CommandLine cl = new CommandLine(new PackageCommand());
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(e));
        int code = cl.execute(args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    Path create(String layout, String... extra) {
        Path fw = tmp.resolve("fw.zip");
        String[] base = {
            "create",
            "-n",
            "demo",
            "-p",
            "esp32",
            "--version",
            "2.0.1",
            "--build-id",
            "b1",
            "--src-dir",
            tmp.toString(),
            "--layout",
            layout,
            "--part",
            "app:type=app,src=app.bin,addr=0x10000,ptn=app_0",
            "--part",
            "fs:type=fs,src=fs.img,ptn=fs_0,fs_size=4096,encrypt=false",
            "-o",
            fw.toString()
        };
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        assertThat(run(all)).as(err).isZero();
        return fw;
    }

    @Test
    void createThenVerifyAndInspect() throws Exception {
        Path fw = create("dir", "--sign-key", key.toString());
        assertThat(out).contains("sig0");
        try (FwBundle b = FwBundle.open(fw)) {
            assertThat(b.entryPrefix()).isEqualTo("demo-2.0.1/");
            assertThat(b.manifest().parts().get("app").longAttribute("addr")).hasValue(0x10000);
            assertThat(b.manifest().parts().get("fs").attribute("encrypt"))
                    .get()
                    .matches(JsonNode::isBoolean);
        }
        assertThat(run("verify", "--key", pub.toString(), "--require-signature", fw.toString()))
                .as(out + err)
                .isZero();
        assertThat(out).contains("VALID, signed");
        assertThat(run("verify", "--key", otherPub.toString(), fw.toString())).isEqualTo(1);
        assertThat(err).contains(fw.toString()).contains("matches").doesNotContain("Exception");
        assertThat(run("verify", "--key", key.toString(), "--json", fw.toString())).isZero();
        JsonNode rep = new ObjectMapper().readTree(out);
        assertThat(rep.get("valid").booleanValue()).isTrue();
        assertThat(rep.get("signatures").get(0).get("matched").booleanValue()).isTrue();

        assertThat(run("inspect", fw.toString())).isZero();
        assertThat(out)
                .contains("Name:        demo")
                .contains("demo-2.0.1/app.bin")
                .contains("sig0");
        assertThat(run("inspect", "--json", fw.toString())).isZero();
        JsonNode ins = new ObjectMapper().readTree(out);
        assertThat(ins.get("layout").asText()).isEqualTo("dir");
        assertThat(ins.at("/manifest/parts/app/ptn").asText()).isEqualTo("app_0");
    }

    @Test
    void signAddsASlotAndVerifyRequiresIt() throws Exception {
        Path fw = create("root");
        assertThat(run("verify", fw.toString())).isZero();
        assertThat(out).contains("unsigned");
        assertThat(run("verify", "--key", pub.toString(), "--require-signature", fw.toString()))
                .isEqualTo(1);
        assertThat(run("sign", "--key", key.toString(), fw.toString())).as(err).isZero();
        assertThat(out).contains("sig0");
        assertThat(run("sign", "--key", key.toString(), "--slot", "0", fw.toString())).isEqualTo(2);
        assertThat(err).contains("already used");
        assertThat(run("verify", "--key", pub.toString(), "--require-signature", fw.toString()))
                .isZero();
    }

    @Test
    void verifiesTheReferenceVector() {
        String dir = System.getProperty("meerkat.vectors");
        assertThat(dir).as("system property meerkat.vectors (set by surefire)").isNotNull();
        Path v = Path.of(dir, "mongoose", "demo-app-esp32-1.4.2.zip");
        assertThat(v).as("reference vector missing: " + v.toAbsolutePath()).isRegularFile();
        assertThat(run("verify", v.toString())).as(err).isZero();
        assertThat(out).contains("app.bin: 16384 bytes");
    }

    @Test
    void tamperedBundleIsInvalidWithOneLineError() throws Exception {
        Path fw = create("root", "--sign-key", key.toString());
        byte[] b = Files.readAllBytes(fw);
        b[b.length / 2] ^= 0x55;
        Files.write(fw, b);
        assertThat(run("verify", "--key", pub.toString(), fw.toString())).isEqualTo(1);
        assertThat(err.strip().lines()).hasSize(1);
        assertThat(err).contains(fw.toString());
    }

    @Test
    void garbageFileIsOneLineError() throws Exception {
        Path junk = tmp.resolve("junk.zip");
        Files.write(junk, new byte[10]);
        for (String cmd : new String[] {"verify", "inspect"}) {
            assertThat(run(cmd, junk.toString())).isEqualTo(1);
            assertThat(err.strip().lines()).hasSize(1);
            assertThat(err).contains("junk.zip").contains("too short");
        }
        assertThat(run("inspect", tmp.resolve("nope.zip").toString())).isEqualTo(3);
        assertThat(err).contains("nope.zip");
    }

    @Test
    void usageErrors() {
        assertThat(run("verify", "--require-signature", "x.zip")).isEqualTo(2);
        assertThat(run("create", "-n", "a", "-p", "b", "-o", "x.zip")).isEqualTo(2);
        assertThat(
                        run(
                                "create",
                                "-n",
                                "a",
                                "-p",
                                "b",
                                "--version",
                                "1",
                                "--layout",
                                "zip",
                                "--part",
                                "a:src=app.bin",
                                "-o",
                                "x.zip"))
                .isEqualTo(2);
        assertThat(run("verify", "--bogus")).isEqualTo(2);
        assertThat(
                        run(
                                "create",
                                "-n",
                                "a",
                                "-p",
                                "b",
                                "--version",
                                "1",
                                "--src-dir",
                                tmp.toString(),
                                "--part",
                                "a:src=app.bin,size=3",
                                "-o",
                                tmp.resolve("x.zip").toString()))
                .isEqualTo(2);
        assertThat(err).contains("size");
    }

    @Test
    void missingPartFileIsAnIoError() {
        assertThat(
                        run(
                                "create",
                                "-n",
                                "a",
                                "-p",
                                "b",
                                "--version",
                                "1",
                                "--part",
                                "a:src=" + tmp.resolve("missing.bin"),
                                "-o",
                                tmp.resolve("x.zip").toString()))
                .isEqualTo(3);
        assertThat(err).contains("missing.bin");
        assertThat(tmp.resolve("x.zip")).doesNotExist();
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : new String[] {"create", "verify", "inspect", "sign"}) {
            assertThat(run(cmd, "--help")).isZero();
            assertThat(out).contains("Usage:");
        }
        assertThat(run("--help")).isZero();
        assertThat(out).contains("create").contains("verify").contains("inspect").contains("sign");
    }

    @Test
    void buildInfoAndExtraAttributesAreTyped() throws Exception {
        Path fw = tmp.resolve("bi.zip");
        assertThat(
                        run(
                                "create",
                                "-n",
                                "a",
                                "-p",
                                "esp8266",
                                "--build-info",
                                "{\"build_version\":\"3.1\",\"build_id\":\"x/y\",\"build_timestamp\":\"2026-01-01T00:00:00Z\"}",
                                "--extra-attr",
                                "hw_rev=0x2",
                                "--extra-attr",
                                "beta=true",
                                "--extra-attr",
                                "note='1'",
                                "--src-dir",
                                tmp.toString(),
                                "a:src=app.bin,ratio=1.5",
                                "-o",
                                fw.toString()))
                .as(err)
                .isZero();
        try (FwBundle b = FwBundle.open(fw)) {
            assertThat(b.manifest().version()).isEqualTo("3.1");
            assertThat(b.manifest().buildTimestamp()).isEqualTo("2026-01-01T00:00:00Z");
            assertThat(b.manifest().attributes().get("hw_rev").intValue()).isEqualTo(2);
            assertThat(b.manifest().attributes().get("beta").isBoolean()).isTrue();
            assertThat(b.manifest().attributes().get("note").textValue()).isEqualTo("1");
            assertThat(b.manifest().parts().get("a").attribute("ratio").orElseThrow().isNumber())
                    .isTrue();
        }
    }

    @Test
    void partSpecValueTyping() {
        assertThat(PartSpec.value("0x10000").intValue()).isEqualTo(65536);
        assertThat(PartSpec.value("010").isIntegralNumber()).isFalse(); // Python: float("010")
        assertThat(PartSpec.value("0").intValue()).isZero();
        assertThat(PartSpec.value("-5").intValue()).isEqualTo(-5);
        assertThat(PartSpec.value("app_0").textValue()).isEqualTo("app_0");
        assertThat(PartSpec.value("\"a,b\"").textValue()).isEqualTo("a,b");
        assertThat(PartSpec.value("").textValue()).isEmpty();
        assertThat(PartSpec.value("4294967296").isIntegralNumber()).isTrue();
    }
}
