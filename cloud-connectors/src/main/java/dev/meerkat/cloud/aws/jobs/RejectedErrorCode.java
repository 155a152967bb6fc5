package dev.meerkat.cloud.aws.jobs;

/** The {@code code} of a {@code .../rejected} response, spelled as AWS IoT sends it. */
public enum RejectedErrorCode {
    InvalidTopic,
    InvalidJson,
    InvalidRequest,
    InvalidStateTransition,
    ResourceNotFound,
    VersionMismatch,
    InternalError,
    RequestThrottled,
    TerminalStateReached
}
