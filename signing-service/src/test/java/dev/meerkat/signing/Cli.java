package dev.meerkat.signing;

import dev.meerkat.cli.Meerkat;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the real meerkat command line in-process with a given bearer token. */
public final class Cli {
    private Cli() {}

    public record Result(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout: " + out + "\nstderr: " + err;
        }
    }

    public static synchronized Result run(String token, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String old = System.getProperty("meerkat.token");
        try {
            if (token == null) System.clearProperty("meerkat.token");
            else System.setProperty("meerkat.token", token);
            int rc = Meerkat.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
            return new Result(rc, out.toString(), err.toString());
        } finally {
            if (old == null) System.clearProperty("meerkat.token");
            else System.setProperty("meerkat.token", old);
        }
    }
}
