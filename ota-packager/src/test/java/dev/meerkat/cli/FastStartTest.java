package dev.meerkat.cli;

import static dev.meerkat.cli.Cli.run;
import static dev.meerkat.cli.Cli.vector;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class FastStartTest {

    @TempDir Path tmp;

    private static final PrintWriter SINK = new PrintWriter(new StringWriter());

    @ParameterizedTest
    @ValueSource(
            strings = {
                "sign -k key.pem -H 0x200 --pad-header -v 1.2.3 -S 0x4000000 -q in.bin out.bin",
                "sign --key=k.pem --header-size=512 --version=1.0.0+5 -s auto --align 8"
                        + " --max-align 8 -M 256 -R 0 --overwrite-only --confirm"
                        + " --public-key-format full -E enc.pem --json in.hex out.hex",
                "sign in.bin -H 32 --pad --test -v 0.0.1 out.bin",
                "sign -H 0o1000 -v 1 --security-counter=7 --erased-val=0x00 --slot-size=0b100 a b",
                "verify -k a.pem -k b.pem --enc-key x.pem --slot-size 0x1000 --json -q img.bin",
                "verify img.bin",
                "verify --key=a.pem --quiet img.bin",
            })
    void fillsEveryFieldAsPicocliDoes(String line) throws Exception {
        String[] args = line.split(" ");
        FastStart.Parsed fast = FastStart.parse(args, SINK, SINK);
        assertThat(fast).as("taken by FastStart").isNotNull();
        Object picocli = fast.command().getClass().getDeclaredConstructor().newInstance();
        new CommandLine(picocli).parseArgs(Arrays.copyOfRange(args, 1, args.length));
        assertThat(fields(fast.command())).isEqualTo(fields(picocli));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "sign --help",
                "sign -h",
                "sign -k a.pem -k b.pem -H 0x200 -v 1.0.0 in out",
                "sign -kkey.pem -H 0x200 -v 1.0.0 in out",
                "sign -H 0x200 -v 1.0.0 -d (1,1.0.0) in out",
                "sign -H 0x200 in out",
                "sign -v 1.0.0 in out",
                "sign -H 0x200 -v 1.0.0 in",
                "sign -H 0x200 -v 1.0.0 in out extra",
                "sign -H zz -v 1.0.0 in out",
                "sign --header-size= -v 1.0.0 in out",
                "sign -H 0x200 -v 1.0.0 --pad --pad in out",
                "sign -H 0x200 -v 1.0.0 --pad=true in out",
                "sign -H 0x200 -v -1 in out",
                "create -H 0x200 -v 1.0.0 in out",
                "verify",
                "verify a b",
                "verify -k",
                "verify --json=true img",
                "verify @args.txt",
                "verify -- img",
                "verify --enc-key a --enc-key b img",
                "verify -V",
                "keygen -t ed25519 -k k.pem",
            })
    void leavesEverythingElseToPicocli(String line) {
        assertThat(FastStart.parse(line.split(" "), SINK, SINK)).isNull();
    }

    @Test
    void bothRoutesPrintTheSame() throws Exception {
        String key = vector("key-ecdsa-p256.pem");
        String other = vector("key-ed25519.pem");
        String image = vector("img-ecdsa-p256.bin");
        // "-kFILE" is valid picocli syntax that FastStart leaves to picocli.
        assertSame(run("verify", "-k", key, image), run("verify", "-k" + key, image));
        assertSame(run("verify", "-k", other, image), run("verify", "-k" + other, image));
        String missing = tmp.resolve("missing.pem").toString();
        Cli.Run fast = run("verify", "-k", missing, image);
        assertSame(fast, run("verify", "-k" + missing, image));
        assertThat(fast.err()).startsWith("meerkat verify: ");

        Path a = tmp.resolve("a.img");
        Path b = tmp.resolve("b.img");
        String app = vector("app-16k.bin");
        Cli.Run signed =
                run(
                        "sign",
                        "-k",
                        key,
                        "-H",
                        "0x200",
                        "--pad-header",
                        "-v",
                        "1.2.3",
                        app,
                        a.toString());
        Cli.Run viaPicocli =
                run(
                        "sign",
                        "-k" + key,
                        "-H",
                        "0x200",
                        "--pad-header",
                        "-v",
                        "1.2.3",
                        app,
                        b.toString());
        assertThat(signed.exitCode()).as(signed.err()).isZero();
        // An ECDSA signature's DER length varies by a byte or two, and the image length with it.
        assertThat(signed.out().replaceAll("\\d+ bytes", "N bytes"))
                .isEqualTo(
                        viaPicocli
                                .out()
                                .replace("b.img", "a.img")
                                .replaceAll("\\d+ bytes", "N bytes"));
        // ECDSA signatures differ run to run; everything before the signature is the same.
        byte[] x = Files.readAllBytes(a);
        byte[] y = Files.readAllBytes(b);
        assertThat(Arrays.copyOf(x, 0x200 + 16384)).isEqualTo(Arrays.copyOf(y, 0x200 + 16384));

        Cli.Run badVersion = run("sign", "-k", key, "-H", "0x200", "-v", "x.y", app, a.toString());
        assertSame(
                badVersion, run("sign", "-k" + key, "-H", "0x200", "-v", "x.y", app, a.toString()));
        assertThat(badVersion.err()).startsWith("meerkat sign: ");
    }

    @Test
    void versionPrintsWhatPicocliPrints() {
        StringWriter picocli = new StringWriter();
        CommandLine cl = CommandTree.forArguments(new String[] {"--version"});
        cl.setOut(new PrintWriter(picocli, true));
        assertThat(cl.execute("--version")).isZero();
        assertThat(run("--version").out()).isEqualTo(picocli.toString()).startsWith("meerkat ");
        assertThat(run("-V").out()).isEqualTo(picocli.toString());
    }

    private static void assertSame(Cli.Run fast, Cli.Run picocli) {
        assertThat(fast.exitCode()).isEqualTo(picocli.exitCode());
        assertThat(fast.out()).isEqualTo(picocli.out());
        assertThat(fast.err()).isEqualTo(picocli.err());
    }

    /** Every option and parameter field, by name. */
    private static Map<String, Object> fields(Object command) throws IllegalAccessException {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Field f : command.getClass().getDeclaredFields()) {
            if (f.isAnnotationPresent(CommandLine.Option.class)
                    || f.isAnnotationPresent(CommandLine.Parameters.class)) {
                f.setAccessible(true);
                values.put(f.getName(), f.get(command));
            }
        }
        return values;
    }
}
