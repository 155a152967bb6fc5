package dev.meerkat.fleet.group;

import dev.meerkat.fleet.refusal.Refusal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The membership rule of a dynamic group, over a device's facts (its attributes plus {@code
 * version}, {@code protocol} and {@code id}): clauses joined by {@code and}, each {@code key op
 * value} with op {@code = != < <= > >=}. {@code =}/{@code !=} accept {@code *} wildcards; the
 * ordering operators compare dotted versions numerically ({@code version < 2.0.0}). A device
 * lacking the key never matches.
 */
public final class GroupFilter {
    public static final int MAX_LENGTH = 1000;
    private static final Pattern CLAUSE =
            Pattern.compile(
                    "\\s*([a-z][a-z0-9_.-]{0,31})\\s*(!=|<=|>=|=|<|>)\\s*([A-Za-z0-9_.:*+/-]{1,100})\\s*");

    private record Clause(String key, String op, String value, Pattern glob) {
        boolean test(Map<String, String> facts) {
            String actual = facts.get(key);
            if (actual == null) return false;
            return switch (op) {
                case "=" -> glob.matcher(actual).matches();
                case "!=" -> !glob.matcher(actual).matches();
                case "<" -> compareVersions(actual, value) < 0;
                case "<=" -> compareVersions(actual, value) <= 0;
                case ">" -> compareVersions(actual, value) > 0;
                case ">=" -> compareVersions(actual, value) >= 0;
                default -> throw new IllegalStateException(op);
            };
        }
    }

    private final String text;
    private final List<Clause> clauses;

    private GroupFilter(String text, List<Clause> clauses) {
        this.text = text;
        this.clauses = List.copyOf(clauses);
    }

    public static GroupFilter parse(String text) {
        if (text == null || text.isBlank())
            throw Refusal.badRequest("a dynamic group needs a filter");
        if (text.length() > MAX_LENGTH)
            throw Refusal.badRequest("filter is longer than " + MAX_LENGTH);
        List<Clause> out = new ArrayList<>();
        for (String part : text.split("(?i)\\s+and\\s+")) {
            Matcher m = CLAUSE.matcher(part);
            if (!m.matches()) {
                throw Refusal.badRequest(
                        "filter clause '"
                                + part.strip()
                                + "' is not 'key op value'"
                                + " (op one of = != < <= > >=)");
            }
            out.add(new Clause(m.group(1), m.group(2), m.group(3), glob(m.group(3))));
        }
        return new GroupFilter(text.strip(), out);
    }

    public boolean matches(Map<String, String> facts) {
        for (Clause c : clauses) {
            if (!c.test(facts)) return false;
        }
        return true;
    }

    public String text() {
        return text;
    }

    private static Pattern glob(String value) {
        StringBuilder re = new StringBuilder();
        for (String lit : value.split("\\*", -1)) {
            if (re.length() > 0 || value.startsWith("*")) re.append(".*");
            re.append(Pattern.quote(lit));
        }
        return Pattern.compile(value.startsWith("*") ? re.substring(2) : re.toString());
    }

    /**
     * Numeric comparison of dotted versions ({@code 1.10.0 > 1.9.3}); a {@code +build} suffix
     * counts last.
     */
    static int compareVersions(String a, String b) {
        String[] x = a.split("[.+]");
        String[] y = b.split("[.+]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            long p = i < x.length ? number(x[i]) : 0;
            long q = i < y.length ? number(y[i]) : 0;
            if (p != q) return Long.compare(p, q);
        }
        return 0;
    }

    private static long number(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
