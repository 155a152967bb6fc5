package dev.meerkat.cloud.aws.jobs;

/** The four device requests of the Jobs MQTT API and the topic word that names each. */
public enum JobsOperation {
    /** GetPendingJobExecutions: {@code jobs/get}. */
    GET_PENDING("get", false),
    /** StartNextPendingJobExecution: {@code jobs/start-next}. */
    START_NEXT("start-next", false),
    /** DescribeJobExecution: {@code jobs/{jobId}/get}. */
    DESCRIBE("get", true),
    /** UpdateJobExecution: {@code jobs/{jobId}/update}. */
    UPDATE("update", true);

    private final String word;
    private final boolean perJob;

    JobsOperation(String word, boolean perJob) {
        this.word = word;
        this.perJob = perJob;
    }

    String word() {
        return word;
    }

    /** True if the topic carries a job id (or {@code $next}) before the operation word. */
    public boolean perJob() {
        return perJob;
    }
}
