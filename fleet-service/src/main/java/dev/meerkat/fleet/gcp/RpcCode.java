package dev.meerkat.fleet.gcp;

/** The google.rpc canonical codes this API answers with, and the HTTP status each maps to. */
public enum RpcCode {
    INVALID_ARGUMENT(3, 400),
    NOT_FOUND(5, 404),
    ALREADY_EXISTS(6, 409),
    PERMISSION_DENIED(7, 403),
    RESOURCE_EXHAUSTED(8, 429),
    FAILED_PRECONDITION(9, 400),
    UNAUTHENTICATED(16, 401);

    private final int code;
    private final int httpStatus;

    RpcCode(int code, int httpStatus) {
        this.code = code;
        this.httpStatus = httpStatus;
    }

    public int code() {
        return code;
    }

    public int httpStatus() {
        return httpStatus;
    }
}
