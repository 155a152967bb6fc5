package dev.meerkat.firmware.rpc;

/** An RPC error answer: {@code {"error":{"code":…,"message":…}}}. */
public final class RpcException extends Exception {

    private static final long serialVersionUID = 1L;

    /** mg_rpc's code for an unknown method. */
    public static final int NOT_FOUND = 404;

    public static final int BAD_REQUEST = 400;

    /** Not authenticated (the message carries a Digest challenge). */
    public static final int UNAUTHORIZED = 401;

    /** Authenticated, but not allowed. */
    public static final int FORBIDDEN = 403;

    public static final int INTERNAL = 500;

    private final int code;

    public RpcException(int code, String message) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static RpcException badRequest(String message) {
        return new RpcException(BAD_REQUEST, message);
    }
}
