package dev.meerkat.cloud.aws.control;

/**
 * AWS's rest-json error: the type goes in the {@code x-amzn-ErrorType} header, this record is the
 * body. The SDK maps the type to its exception class (e.g. ResourceNotFoundException).
 */
public record IotError(String message) {

    public static final String ERROR_TYPE_HEADER = "x-amzn-ErrorType";
}
