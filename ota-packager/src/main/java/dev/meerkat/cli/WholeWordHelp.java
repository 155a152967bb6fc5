package dev.meerkat.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Help.Column;
import picocli.CommandLine.Help.TextTable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Help text wrapped at spaces only. picocli wraps at every Unicode line-break opportunity, which
 * splits URLs ("http://127." / "0.0.1:8470"), paths and hyphenated words across lines; here a word
 * moves to the next line whole and is only broken when it is longer than the whole column.
 */
final class WholeWordHelp extends Help {

    WholeWordHelp(CommandSpec spec, ColorScheme scheme) {
        super(spec, scheme);
    }

    /** Installs this help on a command tree, including the description and footer paragraphs. */
    static void install(CommandLine cl) {
        cl.setHelpFactory(WholeWordHelp::new);
        Map<String, CommandLine.IHelpSectionRenderer> sections = cl.getHelpSectionMap();
        sections.put(
                CommandLine.Model.UsageMessageSpec.SECTION_KEY_DESCRIPTION,
                help -> paragraph(help, help.commandSpec().usageMessage().description()));
        sections.put(
                CommandLine.Model.UsageMessageSpec.SECTION_KEY_FOOTER,
                help -> paragraph(help, help.commandSpec().usageMessage().footer()));
        sections.put(
                CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST,
                WholeWordHelp::commands);
        cl.setHelpSectionMap(sections);
    }

    @Override
    public Layout createDefaultLayout(
            List<OptionSpec> options, List<PositionalParamSpec> positionals, ColorScheme scheme) {
        Layout picocli = super.createDefaultLayout(options, positionals, scheme);
        return new Layout(
                scheme,
                wholeWords(tableOf(picocli)),
                createDefaultOptionRenderer(),
                createDefaultParameterRenderer());
    }

    /**
     * picocli sizes the option columns privately; its layout's table is a protected field, read
     * once here.
     */
    private static TextTable tableOf(Layout layout) {
        try {
            java.lang.reflect.Field f = Layout.class.getDeclaredField("table");
            f.setAccessible(true);
            return (TextTable) f.get(layout);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("picocli's help layout changed", e);
        }
    }

    @Override
    public TextTable createTextTable(Map<?, ?> map) {
        return wholeWords(super.createTextTable(map));
    }

    private TextTable wholeWords(TextTable picocli) {
        WholeWordTable t = new WholeWordTable(colorScheme(), picocli.columns());
        t.indentWrappedLines = picocli.indentWrappedLines;
        return t;
    }

    private static String paragraph(Help help, String[] lines) {
        if (lines.length == 0) return "";
        String text = String.format(String.join("%n", lines));
        int width = help.commandSpec().usageMessage().width();
        StringBuilder sb = new StringBuilder();
        for (String line : wrap(text, width, 0)) sb.append(line).append(System.lineSeparator());
        return sb.toString();
    }

    /**
     * The list of subcommands, each with the first sentence of its description, whole. picocli
     * shows the first line of the description array, which can stop mid-sentence, and wraps it
     * inside words ("Config." / "Set").
     */
    private static String commands(Help help) {
        Map<String, Help> subs = help.subcommands();
        if (subs.isEmpty()) return "";
        List<String> names = new ArrayList<>();
        List<String> summaries = new ArrayList<>();
        int nameWidth = 0;
        for (Help sub : subs.values()) {
            String name = sub.commandNamesText(", ").plainString();
            names.add(name);
            summaries.add(summary(sub.commandSpec()));
            nameWidth = Math.max(nameWidth, name.length());
        }
        int width = help.commandSpec().usageMessage().width();
        int column = 2 + nameWidth + 2;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < names.size(); i++) {
            List<String> lines = wrap(summaries.get(i), width - column, 2);
            String pad = " ".repeat(column);
            sb.append("  ")
                    .append(String.format("%-" + nameWidth + "s", names.get(i)))
                    .append("  ");
            for (int l = 0; l < lines.size(); l++) {
                if (l > 0) sb.append(pad);
                sb.append(lines.get(l)).append(System.lineSeparator());
            }
        }
        return sb.toString();
    }

    /** The header, or else the first sentence of the description, on one line. */
    static String summary(CommandSpec spec) {
        String[] header = spec.usageMessage().header();
        String[] lines = header.length > 0 ? header : spec.usageMessage().description();
        String text = String.join(" ", lines).replace("%n", " ").replaceAll("\\s+", " ").strip();
        if (header.length > 0) return text;
        java.util.regex.Matcher end =
                java.util.regex.Pattern.compile("(?<!\\be\\.g|\\bi\\.e|\\betc)\\. ").matcher(text);
        return end.find() ? text.substring(0, end.start() + 1) : text;
    }

    /**
     * Greedy wrapping at spaces; continuation lines indented by {@code hang}. Existing line breaks
     * are kept.
     */
    static List<String> wrap(String text, int width, int hang) {
        List<String> out = new ArrayList<>();
        for (String para : text.split("\\R", -1)) {
            StringBuilder line = new StringBuilder();
            boolean first = true;
            for (String word : para.split(" ")) {
                if (word.isEmpty()) continue;
                int limit = first ? width : width - hang;
                if (line.length() > 0 && line.length() + 1 + word.length() > limit) {
                    out.add((first ? "" : " ".repeat(hang)) + line);
                    line.setLength(0);
                    first = false;
                }
                if (line.length() > 0) line.append(' ');
                line.append(word);
            }
            out.add((first ? "" : " ".repeat(hang)) + line);
        }
        return out;
    }

    /** A table whose wrapping columns take pre-wrapped lines, one row each. */
    private static final class WholeWordTable extends TextTable {
        WholeWordTable(ColorScheme scheme, Column[] columns) {
            super(scheme, columns);
        }

        @Override
        public Cell putValue(int row, int col, Ansi.Text value) {
            Column c = columns()[col];
            if (value == null || c.overflow != Column.Overflow.WRAP)
                return super.putValue(row, col, value);
            List<String> lines =
                    wrap(value.plainString(), c.width - c.indent - 1, indentWrappedLines);
            if (lines.size() <= 1) return super.putValue(row, col, value);
            Cell cell = null;
            for (String line : lines) {
                int r = cell == null ? row : cell.row + 1;
                while (r >= rowCount()) addEmptyRow();
                cell = super.putValue(r, col, Ansi.OFF.new Text(line));
            }
            return cell;
        }
    }
}
