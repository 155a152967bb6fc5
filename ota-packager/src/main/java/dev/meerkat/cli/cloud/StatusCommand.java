package dev.meerkat.cli.cloud;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cloud.aws.sdk.IotJobs;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iot.IotClient;

/** {@code meerkat cloud aws status}. */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Show a job's status and each thing's execution status.",
            "",
            "Uses DescribeJob and ListJobExecutionsForJob; --follow polls until the job has ended. "
                    + "Exit code 0 when no execution failed, timed out or was rejected and the job was not "
                    + "canceled, 1 otherwise. --json prints: jobId, status, counts, things."
        })
final class StatusCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin AwsOptions aws;

    @Parameters(paramLabel = "JOB_ID")
    String jobId;

    @Option(names = "--follow", description = "Poll until the job is COMPLETED or CANCELED.")
    boolean follow;

    @Option(
            names = "--interval",
            defaultValue = "10",
            paramLabel = "SECONDS",
            description = "Polling interval with --follow (default: ${DEFAULT-VALUE}).")
    int intervalSeconds;

    @Override
    public Integer call() throws Exception {
        if (intervalSeconds < 1) {
            throw CliException.usage("--interval must be at least 1 second");
        }
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        try (IotClient iot = aws.connection().iot()) {
            IotJobs jobs = new IotJobs(iot);
            IotJobs.Status s = jobs.status(jobId);
            while (follow && !s.ended()) {
                err.println("job " + jobId + " " + s.jobStatus() + " " + s.counts());
                err.flush();
                Thread.sleep(Duration.ofSeconds(intervalSeconds).toMillis());
                s = jobs.status(jobId);
            }
            if (aws.json) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("jobId", s.jobId());
                j.put("status", s.jobStatus());
                j.put("counts", s.counts());
                j.put("things", s.things());
                out.println(new ObjectMapper().writeValueAsString(j));
            } else {
                out.println("job " + s.jobId() + ": " + s.jobStatus());
                s.counts().forEach((k, v) -> out.printf("  %-11s %d%n", k, v));
                s.things().forEach((thing, status) -> out.printf("  %-40s %s%n", thing, status));
            }
            out.flush();
            return s.failed() ? ExitCode.INVALID : ExitCode.OK;
        } catch (SdkException e) {
            throw new CliException(
                    ExitCode.IO, "status of job " + jobId + " failed: " + AwsOptions.describe(e));
        }
    }
}
