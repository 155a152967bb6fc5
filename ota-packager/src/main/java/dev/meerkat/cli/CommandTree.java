package dev.meerkat.cli;

import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Builds the picocli command tree for one invocation: the command named on the command line in
 * full, every other top-level command as a stand-in that carries only its name, aliases and
 * description.
 *
 * <p>Reflecting over the option fields of every command took several hundred milliseconds of each
 * run, and a run needs one command. The stand-ins are enough for {@code meerkat --help}, {@code -V}
 * and "did you mean" suggestions after a typo. The list of commands is the {@code subcommands}
 * attribute of {@link Meerkat}'s annotation.
 */
final class CommandTree {
    private CommandTree() {}

    /** The whole tree, every command in full (for tests that walk it). */
    static CommandLine full() {
        return build(null, true);
    }

    /**
     * The tree for these arguments: in full only the command the first non-option argument names
     * ({@code help X}: X).
     */
    static CommandLine forArguments(String[] args) {
        String first = null;
        String second = null;
        for (String a : args) {
            if (a.startsWith("-")) continue;
            if (first == null) {
                first = a;
            } else {
                second = a;
                break;
            }
        }
        return build("help".equals(first) ? second : first, false);
    }

    private static CommandLine build(String wanted, boolean everything) {
        Command root = Meerkat.class.getAnnotation(Command.class);
        Meerkat meerkat = new Meerkat();
        CommandSpec spec = CommandSpec.wrapWithoutInspection(meerkat);
        spec.name(root.name());
        spec.mixinStandardHelpOptions(root.mixinStandardHelpOptions());
        spec.versionProvider(new Meerkat.Version());
        spec.usageMessage().description(root.description()).footer(root.footer());
        meerkat.spec = spec;
        CommandLine cl = new CommandLine(spec);
        for (Class<?> c : root.subcommands()) {
            Command a = c.getAnnotation(Command.class);
            boolean full =
                    everything
                            || c == CommandLine.HelpCommand.class
                            || a.name().equals(wanted)
                            || Arrays.asList(a.aliases()).contains(wanted);
            if (full) {
                cl.addSubcommand(a.name(), c);
            } else {
                CommandSpec standIn = CommandSpec.create().name(a.name()).aliases(a.aliases());
                standIn.usageMessage().description(a.description());
                cl.addSubcommand(a.name(), standIn);
            }
        }
        WholeWordHelp.install(cl);
        return cl;
    }
}
