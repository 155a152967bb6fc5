package dev.meerkat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Every command and subcommand in the tree answers --help, in lines of at most 80 columns, and its
 * help text keeps words and URLs whole.
 */
class CommandTreeHelpTest {

    static Stream<List<String>> commandPaths() {
        List<List<String>> paths = new ArrayList<>();
        walk(CommandTree.full(), new ArrayList<>(), paths);
        return paths.stream();
    }

    private static void walk(CommandLine cl, List<String> path, List<List<String>> out) {
        out.add(List.copyOf(path));
        cl.getSubcommands()
                .forEach(
                        (name, sub) -> {
                            // Aliases appear under their own names too; walk each command once.
                            if (!name.equals(sub.getCommandName())) return;
                            List<String> p = new ArrayList<>(path);
                            p.add(name);
                            walk(sub, p, out);
                        });
    }

    @ParameterizedTest(name = "meerkat {0} --help")
    @MethodSource("commandPaths")
    void answersHelpWithWholeWords(List<String> path) {
        List<String> args = new ArrayList<>(path);
        args.add("--help");
        Cli.Run r = Cli.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        String usage = r.out();
        assertThat(usage)
                .contains("Usage: meerkat" + (path.isEmpty() ? "" : " " + String.join(" ", path)));

        for (String line : usage.split("\\R")) {
            assertThat(line.length())
                    .as("help of meerkat %s, line: %s", String.join(" ", path), line)
                    .isLessThanOrEqualTo(80);
        }

        CommandLine cl = CommandTree.full();
        for (String p : path) cl = cl.getSubcommands().get(p);
        Set<String> rendered = Arrays.stream(usage.split("\\s+")).collect(Collectors.toSet());
        // The command list gives each subcommand's first sentence whole, not picocli's first line.
        String flowing = String.join(" ", usage.split("\\s+"));
        cl.getSubcommands()
                .forEach(
                        (name, sub) -> {
                            if (!name.equals(sub.getCommandName())) return;
                            if (sub.getCommandSpec().usageMessage().hidden()) return;
                            assertThat(flowing)
                                    .as("summary of %s in meerkat %s --help", name, path)
                                    .contains(WholeWordHelp.summary(sub.getCommandSpec()));
                        });
        List<String> texts =
                new ArrayList<>(Arrays.asList(cl.getCommandSpec().usageMessage().description()));
        texts.addAll(Arrays.asList(cl.getCommandSpec().usageMessage().footer()));
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (!o.hidden()) texts.addAll(Arrays.asList(o.description()));
        }
        for (String text : texts) {
            for (String word : text.replace("%n", " ").split("\\s+")) {
                if (word.isEmpty() || word.contains("${") || word.contains("%")) continue;
                assertThat(rendered)
                        .as("'%s' whole in the help of meerkat %s", word, String.join(" ", path))
                        .contains(word);
            }
        }
    }
}
