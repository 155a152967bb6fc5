package dev.meerkat.fleet.gcp;

/** A refusal of the device-manager API, answered as a google.rpc error body. */
public final class IotCoreException extends RuntimeException {
    private final RpcCode code;

    public IotCoreException(RpcCode code, String message) {
        super(message);
        this.code = code;
    }

    public RpcCode code() {
        return code;
    }

    public static IotCoreException invalid(String message) {
        return new IotCoreException(RpcCode.INVALID_ARGUMENT, message);
    }

    public static IotCoreException notFound(String message) {
        return new IotCoreException(RpcCode.NOT_FOUND, message);
    }
}
