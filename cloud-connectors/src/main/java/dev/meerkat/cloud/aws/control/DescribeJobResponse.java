package dev.meerkat.cloud.aws.control;

/** Body of DescribeJob's response. */
public record DescribeJobResponse(String documentSource, Job job) {}
