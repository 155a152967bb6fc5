package dev.meerkat.fleet.api;

/**
 * A refusal the client can act on: its status and title become the problem document. Thrown by the
 * domain services too, so a rule is stated once where it is enforced.
 */
public class FleetException extends RuntimeException {
    private final int status;
    private final String title;

    public FleetException(int status, String title, String detail) {
        super(detail);
        this.status = status;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public static FleetException badRequest(String detail) {
        return new FleetException(400, "Invalid request", detail);
    }

    public static FleetException notFound(String what, String detail) {
        return new FleetException(404, what + " not found", detail);
    }

    public static FleetException conflict(String title, String detail) {
        return new FleetException(409, title, detail);
    }

    public static FleetException unprocessable(String title, String detail) {
        return new FleetException(422, title, detail);
    }

    public static FleetException unauthorized(String detail) {
        return new FleetException(401, "Unauthorized", detail);
    }
}
