package dev.meerkat.cloud.aws.sdk;

import dev.meerkat.cloud.aws.control.CreateJobRequest;
import dev.meerkat.cloud.aws.control.JobConfigs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.AbortCriteria;
import software.amazon.awssdk.services.iot.model.DescribeJobResponse;
import software.amazon.awssdk.services.iot.model.JobExecutionSummaryForJob;
import software.amazon.awssdk.services.iot.model.ListJobExecutionsForJobResponse;
import software.amazon.awssdk.services.iot.model.RetryCriteria;

/**
 * Creates and follows IoT Jobs through the AWS SDK. The job is described by Meerkat's own {@link
 * CreateJobRequest} shape (validated against AWS's limits before anything is sent), so the CLI,
 * tests and fleet-service share one description of a deployment.
 */
public final class IotJobs {

    private final IotClient iot;

    public IotJobs(IotClient iot) {
        this.iot = iot;
    }

    /** Thing-group ARN of a group name (DescribeThingGroup). */
    public String thingGroupArn(String name) {
        return iot.describeThingGroup(b -> b.thingGroupName(name)).thingGroupArn();
    }

    /** Creates the job; returns its ARN. */
    public String create(String jobId, CreateJobRequest job) {
        job.validate();
        return iot.createJob(
                        b -> {
                            b.jobId(jobId)
                                    .targets(job.targets())
                                    .document(job.document())
                                    .documentSource(job.documentSource())
                                    .description(job.description())
                                    .targetSelection(job.targetSelection());
                            if (job.presignedUrlConfig() != null) {
                                b.presignedUrlConfig(
                                        p ->
                                                p.roleArn(job.presignedUrlConfig().roleArn())
                                                        .expiresInSec(
                                                                job.presignedUrlConfig()
                                                                        .expiresInSec()));
                            }
                            JobConfigs.JobExecutionsRolloutConfig rollout =
                                    job.jobExecutionsRolloutConfig();
                            if (rollout != null) {
                                b.jobExecutionsRolloutConfig(
                                        r -> {
                                            r.maximumPerMinute(rollout.maximumPerMinute());
                                            JobConfigs.ExponentialRate e =
                                                    rollout.exponentialRate();
                                            if (e != null) {
                                                r.exponentialRate(
                                                        x ->
                                                                x.baseRatePerMinute(
                                                                                e
                                                                                        .baseRatePerMinute())
                                                                        .incrementFactor(
                                                                                e.incrementFactor())
                                                                        .rateIncreaseCriteria(
                                                                                c ->
                                                                                        c.numberOfNotifiedThings(
                                                                                                        e.rateIncreaseCriteria()
                                                                                                                .numberOfNotifiedThings())
                                                                                                .numberOfSucceededThings(
                                                                                                        e.rateIncreaseCriteria()
                                                                                                                .numberOfSucceededThings())));
                                            }
                                        });
                            }
                            if (job.abortConfig() != null) {
                                b.abortConfig(
                                        a ->
                                                a.criteriaList(
                                                        job.abortConfig().criteriaList().stream()
                                                                .map(
                                                                        c ->
                                                                                AbortCriteria
                                                                                        .builder()
                                                                                        .failureType(
                                                                                                c
                                                                                                        .failureType())
                                                                                        .action(
                                                                                                c
                                                                                                        .action())
                                                                                        .thresholdPercentage(
                                                                                                c
                                                                                                        .thresholdPercentage())
                                                                                        .minNumberOfExecutedThings(
                                                                                                c
                                                                                                        .minNumberOfExecutedThings())
                                                                                        .build())
                                                                .toList()));
                            }
                            if (job.timeoutConfig() != null) {
                                b.timeoutConfig(
                                        t ->
                                                t.inProgressTimeoutInMinutes(
                                                        job.timeoutConfig()
                                                                .inProgressTimeoutInMinutes()));
                            }
                            if (job.jobExecutionsRetryConfig() != null) {
                                b.jobExecutionsRetryConfig(
                                        r ->
                                                r.criteriaList(
                                                        job
                                                                .jobExecutionsRetryConfig()
                                                                .criteriaList()
                                                                .stream()
                                                                .map(
                                                                        c ->
                                                                                RetryCriteria
                                                                                        .builder()
                                                                                        .failureType(
                                                                                                c
                                                                                                        .failureType())
                                                                                        .numberOfRetries(
                                                                                                c
                                                                                                        .numberOfRetries())
                                                                                        .build())
                                                                .toList()));
                            }
                        })
                .jobArn();
    }

    /** A job's state and the status of each thing's latest execution. */
    public record Status(
            String jobId,
            String jobStatus,
            Map<String, Integer> counts,
            Map<String, String> things) {

        /** The job has ended (completed or canceled): nothing will change any more. */
        public boolean ended() {
            return "COMPLETED".equals(jobStatus) || "CANCELED".equals(jobStatus);
        }

        /** Some thing failed, timed out or refused, or the job was canceled. */
        public boolean failed() {
            return "CANCELED".equals(jobStatus)
                    || things.values().stream()
                            .anyMatch(
                                    s ->
                                            s.equals("FAILED")
                                                    || s.equals("TIMED_OUT")
                                                    || s.equals("REJECTED"));
        }
    }

    /** DescribeJob plus every page of ListJobExecutionsForJob. */
    public Status status(String jobId) {
        DescribeJobResponse job = iot.describeJob(b -> b.jobId(jobId));
        var d = job.job().jobProcessDetails();
        Map<String, Integer> counts = new LinkedHashMap<>();
        if (d != null) {
            counts.put("queued", zero(d.numberOfQueuedThings()));
            counts.put("inProgress", zero(d.numberOfInProgressThings()));
            counts.put("succeeded", zero(d.numberOfSucceededThings()));
            counts.put("failed", zero(d.numberOfFailedThings()));
            counts.put("rejected", zero(d.numberOfRejectedThings()));
            counts.put("timedOut", zero(d.numberOfTimedOutThings()));
            counts.put("canceled", zero(d.numberOfCanceledThings()));
            counts.put("removed", zero(d.numberOfRemovedThings()));
        }
        Map<String, String> things = new LinkedHashMap<>();
        String token = null;
        do {
            String next = token;
            ListJobExecutionsForJobResponse page =
                    iot.listJobExecutionsForJob(
                            b -> b.jobId(jobId).maxResults(250).nextToken(next));
            List<JobExecutionSummaryForJob> summaries = new ArrayList<>(page.executionSummaries());
            for (JobExecutionSummaryForJob s : summaries) {
                String arn = s.thingArn();
                things.put(
                        arn.substring(arn.lastIndexOf('/') + 1),
                        s.jobExecutionSummary().statusAsString());
            }
            token = page.nextToken();
        } while (token != null && !token.isEmpty());
        return new Status(jobId, job.job().statusAsString(), counts, things);
    }

    private static int zero(Integer n) {
        return n == null ? 0 : n;
    }
}
