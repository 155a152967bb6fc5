package dev.meerkat.signing.security;

import java.text.Normalizer;
import java.util.Locale;

/**
 * The stable identity of a person, used wherever the service counts people (approvals, "not the
 * requester"): the token subject or certificate name in Unicode NFKC, without surrounding
 * whitespace, in lower case (Locale.ROOT). {@code U-RE-APPR}, {@code u-re-appr } and {@code
 * ｕ-re-appr} are one person. Subjects with whitespace are refused when a token is issued and when
 * it is used, so two spellings cannot differ only in spaces.
 */
public final class PersonId {
    private PersonId() {}

    public static String of(String name) {
        if (name == null) return "";
        return Normalizer.normalize(name, Normalizer.Form.NFKC).strip().toLowerCase(Locale.ROOT);
    }

    /** True if {@code a} and {@code b} name the same person. */
    public static boolean same(String a, String b) {
        return of(a).equals(of(b));
    }

    /** True if the subject contains whitespace anywhere (such tokens are refused). */
    public static boolean hasWhitespace(String subject) {
        return subject != null
                && subject.codePoints()
                        .anyMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c));
    }
}
