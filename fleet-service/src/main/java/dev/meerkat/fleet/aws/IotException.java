package dev.meerkat.fleet.aws;

/**
 * A refusal in AWS IoT's terms: the error type the SDK maps to its exception class, the HTTP
 * status, a one-line message and, for ResourceAlreadyExistsException, the existing resource (the
 * SDK exposes it so idempotent callers can reuse it).
 */
public final class IotException extends RuntimeException {

    private final String type;
    private final int status;
    private final String resourceId;
    private final String resourceArn;

    private IotException(
            String type, int status, String message, String resourceId, String resourceArn) {
        super(message, null, false, false);
        this.type = type;
        this.status = status;
        this.resourceId = resourceId;
        this.resourceArn = resourceArn;
    }

    public static IotException invalid(String message) {
        return new IotException("InvalidRequestException", 400, message, null, null);
    }

    public static IotException notFound(String message) {
        return new IotException("ResourceNotFoundException", 404, message, null, null);
    }

    public static IotException exists(String message, String resourceId, String resourceArn) {
        return new IotException(
                "ResourceAlreadyExistsException", 409, message, resourceId, resourceArn);
    }

    public static IotException conflict(String message) {
        return new IotException("ConflictException", 409, message, null, null);
    }

    public static IotException signatureRefused(String type, String message) {
        return new IotException(type, 403, message, null, null);
    }

    public static IotException notAuthorized(String message) {
        return new IotException("UnauthorizedException", 401, message, null, null);
    }

    public static IotException unknownOperation(String message) {
        return new IotException("UnknownOperationException", 404, message, null, null);
    }

    public String type() {
        return type;
    }

    public int status() {
        return status;
    }

    public String resourceId() {
        return resourceId;
    }

    public String resourceArn() {
        return resourceArn;
    }
}
