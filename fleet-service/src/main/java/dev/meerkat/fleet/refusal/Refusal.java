package dev.meerkat.fleet.refusal;

/**
 * The fleet's "no": a refusal the client can act on, thrown by the domain where a rule is enforced
 * so that it is stated once. The web layer maps its {@link Kind} to a status and a problem
 * document.
 */
public class Refusal extends RuntimeException {

    /** What kind of "no" it is; {@code api.ProblemMappers} holds the status of each. */
    public enum Kind {
        INVALID,
        UNAUTHORIZED,
        FORBIDDEN,
        NOT_FOUND,
        CONFLICT,
        TOO_LARGE,
        UNPROCESSABLE
    }

    private final Kind kind;
    private final String title;

    public Refusal(Kind kind, String title, String detail) {
        super(detail);
        this.kind = kind;
        this.title = title;
    }

    public Kind kind() {
        return kind;
    }

    public String title() {
        return title;
    }

    public static Refusal badRequest(String detail) {
        return new Refusal(Kind.INVALID, "Invalid request", detail);
    }

    public static Refusal notFound(String what, String detail) {
        return new Refusal(Kind.NOT_FOUND, what + " not found", detail);
    }

    public static Refusal conflict(String title, String detail) {
        return new Refusal(Kind.CONFLICT, title, detail);
    }

    public static Refusal unprocessable(String title, String detail) {
        return new Refusal(Kind.UNPROCESSABLE, title, detail);
    }

    public static Refusal unauthorized(String detail) {
        return new Refusal(Kind.UNAUTHORIZED, "Unauthorized", detail);
    }

    public static Refusal forbidden(String detail) {
        return new Refusal(Kind.FORBIDDEN, "Forbidden", detail);
    }

    public static Refusal tooLarge(String title, String detail) {
        return new Refusal(Kind.TOO_LARGE, title, detail);
    }
}
