package dev.meerkat.firmware.rpc;

/** An RPC error answer: {@code {"error":{"code":…,"message":…}}}. */
public final class RpcException extends Exception {

    private static final long serialVersionUID = 1L;

    /** mg_rpc's code for an unknown method. */
    public static final int NOT_FOUND = 404;
    public static final int BAD_REQUEST = 400;
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
