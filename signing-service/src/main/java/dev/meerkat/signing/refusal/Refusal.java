package dev.meerkat.signing.refusal;

/**
 * A request the service turns down: what kind of refusal, a short title and a one-line detail.
 * Domain code throws it; the web layer maps {@link Kind} to a problem document, and every refusal
 * is audited once, where it is thrown through {@code dev.meerkat.signing.audit.RefusalAudit} or,
 * failing that, where it is answered.
 */
public final class Refusal extends RuntimeException {

    /**
     * Why a request is refused; {@code code} is the HTTP-aligned number recorded in the audit log.
     */
    public enum Kind {
        INVALID(400),
        FORBIDDEN(403),
        NOT_FOUND(404),
        CONFLICT(409),
        LENGTH_REQUIRED(411),
        TOO_LARGE(413),
        UNPROCESSABLE(422),
        TOO_MANY(429);

        private final int code;

        Kind(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    private final Kind kind;
    private final String title;
    private final boolean audited;

    public Refusal(Kind kind, String title, String detail) {
        this(kind, title, detail, false);
    }

    private Refusal(Kind kind, String title, String detail, boolean audited) {
        super(detail, null, false, false);
        this.kind = kind;
        this.title = title;
        this.audited = audited;
    }

    public Kind kind() {
        return kind;
    }

    public int code() {
        return kind.code();
    }

    public String title() {
        return title;
    }

    /**
     * True once an audit entry for this refusal is committed; the web layer then does not audit it
     * again.
     */
    public boolean audited() {
        return audited;
    }

    /** The same refusal, marked as audited. */
    public Refusal asAudited() {
        return audited ? this : new Refusal(kind, title, getMessage(), true);
    }

    /** "denied" for a missing permission, "refused" for anything else: the audit log's decision. */
    public String decision() {
        return kind == Kind.FORBIDDEN ? "denied" : "refused";
    }

    public static Refusal invalid(String detail) {
        return new Refusal(Kind.INVALID, "Invalid request", detail);
    }

    public static Refusal invalid(String title, String detail) {
        return new Refusal(Kind.INVALID, title, detail);
    }

    public static Refusal notFound(String title, String detail) {
        return new Refusal(Kind.NOT_FOUND, title, detail);
    }

    public static Refusal conflict(String title, String detail) {
        return new Refusal(Kind.CONFLICT, title, detail);
    }

    public static Refusal forbidden(String detail) {
        return new Refusal(Kind.FORBIDDEN, "Forbidden", detail);
    }

    public static Refusal unprocessable(String title, String detail) {
        return new Refusal(Kind.UNPROCESSABLE, title, detail);
    }

    public static Refusal tooLarge(String detail) {
        return new Refusal(Kind.TOO_LARGE, "Upload too large", detail);
    }

    public static Refusal lengthRequired(String detail) {
        return new Refusal(Kind.LENGTH_REQUIRED, "Length required", detail);
    }
}
