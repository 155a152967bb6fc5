package dev.meerkat.fleet.aws;

import java.time.Instant;

/**
 * What a job adds to the deployment it is (same id): the document delivered to every thing, the
 * request as the client sent it (targets and configurations, returned by DescribeJob) and how it
 * was canceled.
 *
 * @param request the CreateJob body without the document, as JSON
 */
public record AwsJob(
        String jobId,
        String document,
        String description,
        String targetSelection,
        String targets,
        String request,
        String reasonCode,
        String comment,
        boolean forceCanceled,
        Instant createdAt) {}
