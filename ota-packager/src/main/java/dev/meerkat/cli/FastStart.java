package dev.meerkat.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Runs the everyday image command lines ({@code sign}, {@code verify}, {@code --version}) without
 * building picocli's model: loading picocli and reflecting over a command's annotations took about
 * three quarters of a short run's CPU, more than the signing or verifying itself.
 *
 * <p>Only plain command lines are taken: the options listed here, each as {@code -k FILE} or {@code
 * --key=FILE}, every required option present, no option twice. Anything else (help, other options,
 * clustered or attached short options, {@code @files}, a missing or malformed value) returns {@link
 * #NOT_HANDLED} and picocli parses the line as before, with its own messages. The command objects
 * are the picocli ones, with their field defaults, so both routes run the same code; {@code
 * FastStartTest} checks that both fill every field alike.
 */
final class FastStart {
    static final int NOT_HANDLED = -1;

    private FastStart() {}

    /** A command ready to run and its name in messages. */
    record Parsed(String name, Callable<Integer> command) {}

    /** Runs the command line if it is a plain one; {@link #NOT_HANDLED} otherwise. */
    static int run(String[] args, PrintWriter out, PrintWriter err, boolean debug) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            out.println("meerkat " + BuildInfo.version());
            out.flush();
            return 0;
        }
        Parsed p = parse(args, out, err);
        if (p == null) return NOT_HANDLED;
        try {
            return p.command().call();
        } catch (Exception e) {
            if (debug) e.printStackTrace(err);
            err.println("meerkat " + p.name() + ": " + Meerkat.describe(e));
            err.flush();
            return Meerkat.exitCode(e);
        }
    }

    /** The command for a plain command line, or null when picocli must parse it. */
    static Parsed parse(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length == 0) return null;
        for (String a : args) {
            if (a.startsWith("@") || a.equals("--") || a.equals("-")) return null;
        }
        try {
            return switch (args[0]) {
                case "sign" -> sign(args, out, err);
                case "verify" -> verify(args, out, err);
                default -> null;
            };
        } catch (RuntimeException e) {
            // A value picocli would reject (or convert differently): let it say so.
            return null;
        }
    }

    private static Parsed verify(String[] args, PrintWriter out, PrintWriter err) {
        VerifyCommand c = new VerifyCommand();
        Tokens t = new Tokens(args);
        while (t.hasNext()) {
            String name = t.next();
            if (!name.startsWith("-")) {
                if (c.image != null) return null;
                c.image = Path.of(name);
                continue;
            }
            switch (t.option(name)) {
                case "-k", "--key" -> c.keys.add(Path.of(t.value()));
                case "--enc-key" -> c.encKey = Path.of(t.once(t.value()));
                case "--slot-size" -> c.slotSize = IntLiterals.parse(t.once(t.value()));
                case "--json" -> c.json = t.flag();
                case "-q", "--quiet" -> c.quiet = t.flag();
                default -> {
                    return null;
                }
            }
        }
        if (c.image == null || t.failed) return null;
        c.out = out;
        c.err = err;
        return new Parsed("verify", c);
    }

    private static Parsed sign(String[] args, PrintWriter out, PrintWriter err) {
        SignCommand c = new SignCommand();
        Tokens t = new Tokens(args);
        while (t.hasNext()) {
            String name = t.next();
            if (!name.startsWith("-")) {
                if (c.input == null) c.input = Path.of(name);
                else if (c.output == null) c.output = Path.of(name);
                else return null;
                continue;
            }
            switch (t.option(name)) {
                case "-k", "--key" -> c.key = Path.of(t.once(t.value()));
                case "-H", "--header-size" -> c.headerSize = t.number(t.value());
                case "--pad-header" -> c.padHeader = t.flag();
                case "-v", "--version" -> c.version = t.once(t.value());
                case "-s", "--security-counter" -> c.securityCounter = t.once(t.value());
                case "-S", "--slot-size" -> c.slotSize = t.number(t.value());
                case "--pad" -> c.pad = t.flag();
                case "--test" -> c.test = t.flag();
                case "--confirm" -> c.confirm = t.flag();
                case "--align" -> c.align = t.number(t.value());
                case "--max-align" -> c.maxAlign = t.number(t.value());
                case "-M", "--max-sectors" -> c.maxSectors = t.number(t.value());
                case "--overwrite-only" -> c.overwriteOnly = t.flag();
                case "-R", "--erased-val" -> c.erasedValue = t.number(t.value());
                case "-E", "--encrypt" -> c.encryptKey = Path.of(t.once(t.value()));
                case "--public-key-format" -> c.publicKeyFormat = t.once(t.value());
                case "-q", "--quiet" -> c.quiet = t.flag();
                case "--json" -> c.json = t.flag();
                default -> {
                    return null;
                }
            }
        }
        // picocli reports missing required options and parameters.
        if (c.output == null || c.version == null || !t.seen("-H", "--header-size")) return null;
        if (t.failed) return null;
        c.out = out;
        c.err = err;
        return new Parsed("sign", c);
    }

    /**
     * The arguments after the command name, one option at a time. An option given twice, a flag
     * with a value or an option without one marks the line as failed (picocli then parses it).
     */
    private static final class Tokens {
        private final String[] args;
        private int next = 1;
        private String attached;
        private String current;
        private final Set<String> seen = new HashSet<>();
        boolean failed;

        Tokens(String[] args) {
            this.args = args;
        }

        boolean hasNext() {
            return next < args.length;
        }

        String next() {
            return args[next++];
        }

        /** The option's name; {@code --name=value} keeps the value for {@link #value}. */
        String option(String token) {
            attached = null;
            int eq = token.indexOf('=');
            if (token.startsWith("--") && eq > 0) {
                attached = token.substring(eq + 1);
                token = token.substring(0, eq);
            }
            current = token;
            return token;
        }

        String value() {
            if (attached != null) return attached;
            if (!hasNext() || args[next].startsWith("-")) {
                failed = true;
                return "";
            }
            return next();
        }

        /** A single-valued option's value; a repeated option fails the line. */
        String once(String value) {
            if (!seen.add(canonical(current))) failed = true;
            return value;
        }

        long number(String value) {
            once(value);
            if (value.isEmpty()) {
                failed = true;
                return 0;
            }
            return IntLiterals.parse(value);
        }

        boolean flag() {
            if (attached != null || !seen.add(canonical(current))) failed = true;
            return true;
        }

        boolean seen(String shortName, String longName) {
            return seen.contains(canonical(shortName)) || seen.contains(canonical(longName));
        }

        // Short and long names of one option count as one: "-k" and "--key" are both "--key".
        private static String canonical(String name) {
            return switch (name) {
                case "-k" -> "--key";
                case "-H" -> "--header-size";
                case "-v" -> "--version";
                case "-s" -> "--security-counter";
                case "-S" -> "--slot-size";
                case "-M" -> "--max-sectors";
                case "-R" -> "--erased-val";
                case "-E" -> "--encrypt";
                case "-q" -> "--quiet";
                default -> name;
            };
        }
    }
}
