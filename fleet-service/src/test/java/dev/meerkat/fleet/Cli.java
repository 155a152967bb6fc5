package dev.meerkat.fleet;

import dev.meerkat.cli.Meerkat;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the real meerkat command line in-process against the service under test. */
public final class Cli {
    private Cli() {}

    public record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    public static synchronized Result run(String url, String token, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        System.setProperty("meerkat.fleet.url", url);
        System.setProperty("meerkat.fleet.token", token);
        try {
            int rc = Meerkat.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
            return new Result(rc, out.toString(), err.toString());
        } finally {
            System.clearProperty("meerkat.fleet.url");
            System.clearProperty("meerkat.fleet.token");
        }
    }
}
