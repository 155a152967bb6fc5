package dev.meerkat.cloud.aws.jobs;

/** Payload of {@code $aws/things/{thing}/jobs/{jobId|$next}/get}. */
public record DescribeJobExecutionRequest(
        Long executionNumber, Boolean includeJobDocument, String clientToken) {

    /** AWS includes the document unless the request says false. */
    public boolean wantsDocument() {
        return includeJobDocument == null || includeJobDocument;
    }
}
