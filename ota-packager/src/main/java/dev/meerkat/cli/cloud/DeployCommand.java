package dev.meerkat.cli.cloud;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cloud.aws.control.CreateJobRequest;
import dev.meerkat.cloud.aws.control.JobConfigs;
import dev.meerkat.cloud.aws.jobs.JobsJson;
import dev.meerkat.cloud.aws.jobs.JobsLimits;
import dev.meerkat.cloud.aws.ota.AfrOtaDocument;
import dev.meerkat.cloud.aws.ota.AfrOtaFile;
import dev.meerkat.cloud.aws.sdk.IotJobs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iot.IotClient;

/** {@code meerkat cloud aws deploy}. */
@Command(
        name = "deploy",
        mixinStandardHelpOptions = true,
        description = {
            "Create an AWS IoT Job with an afr_ota document for one file.",
            "",
            "The file is delivered over HTTP (a URL, or an S3 object AWS IoT presigns per device), with "
                    + "optional exponential rollout, abort, timeout and retry configurations.",
            "--dry-run prints the CreateJob request body and sends nothing. --json prints: jobId, jobArn, "
                    + "document."
        })
final class DeployCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin AwsOptions aws;

    @Option(
            names = "--job-id",
            required = true,
            paramLabel = "ID",
            description = "Job id, [a-zA-Z0-9_-]{1,64}.")
    String jobId;

    @Option(
            names = "--target",
            paramLabel = "ARN",
            description = "Thing or thing-group ARN (repeatable).")
    List<String> targets = new ArrayList<>();

    @Option(
            names = "--thing-group",
            paramLabel = "NAME",
            description =
                    "Thing group by name, resolved with " + "DescribeThingGroup (repeatable).")
    List<String> thingGroups = new ArrayList<>();

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(
                names = "--url",
                paramLabel = "URL",
                description = "Download URL for devices (e.g. from publish).")
        String url;

        @Option(
                names = "--s3",
                paramLabel = "s3://BUCKET/KEY",
                description =
                        "Let AWS IoT presign this object " + "for each device (needs --role-arn).")
        String s3;
    }

    @Option(
            names = "--role-arn",
            paramLabel = "ARN",
            description = "Role AWS IoT assumes to presign --s3 URLs.")
    String roleArn;

    @Option(
            names = "--presign-for",
            defaultValue = "3600",
            paramLabel = "SECONDS",
            description =
                    "Lifetime of AWS IoT's presigned URLs, 60..3600 (default: ${DEFAULT-VALUE}).")
    long presignSeconds;

    @Option(
            names = "--file",
            paramLabel = "FILE",
            description = "The published file (gives its size).")
    Path file;

    @Option(
            names = "--size",
            paramLabel = "BYTES",
            description = "File size, if --file is not given.")
    Long size;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Signature signature;

    static final class Signature {
        @Option(
                names = "--signature",
                paramLabel = "BASE64",
                description =
                        "sig-sha256-ecdsa: base64 DER ECDSA "
                                + "signature over the file's SHA-256 (as the signing service returns it).")
        String base64;

        @Option(
                names = "--signature-file",
                paramLabel = "FILE",
                description = "The same signature as a DER file.")
        Path derFile;
    }

    @Option(
            names = "--filepath",
            paramLabel = "PATH",
            description = "afr_ota filepath on the device.")
    String filepath;

    @Option(names = "--description", paramLabel = "TEXT")
    String description;

    @Option(
            names = "--target-selection",
            defaultValue = "SNAPSHOT",
            paramLabel = "SNAPSHOT|CONTINUOUS")
    String targetSelection;

    @Option(
            names = "--max-per-minute",
            paramLabel = "N",
            description = "Rollout: at most N new executions a minute.")
    Integer maxPerMinute;

    @Option(
            names = "--base-rate",
            paramLabel = "N",
            description = "Exponential rollout: start at N a minute.")
    Integer baseRate;

    @Option(
            names = "--increment-factor",
            defaultValue = "2.0",
            paramLabel = "F",
            description =
                    "Exponential rollout: multiply the rate by F, 1.1..5 (default: ${DEFAULT-VALUE}).")
    double incrementFactor;

    @Option(
            names = "--increase-after-succeeded",
            paramLabel = "N",
            description = "Exponential rollout: raise the rate after N more things succeeded.")
    Integer increaseAfterSucceeded;

    @Option(
            names = "--increase-after-notified",
            paramLabel = "N",
            description = "Exponential rollout: raise the rate after N more things were notified.")
    Integer increaseAfterNotified;

    @Option(
            names = "--abort-percent",
            paramLabel = "P",
            description =
                    "Abort (cancel) the job when more than P %% " + "of executed things failed.")
    Double abortPercent;

    @Option(
            names = "--abort-min-executed",
            defaultValue = "10",
            paramLabel = "N",
            description = "Abort: judge only after N things executed (default: ${DEFAULT-VALUE}).")
    int abortMinExecuted;

    @Option(
            names = "--abort-on",
            defaultValue = "ALL",
            paramLabel = "FAILED|REJECTED|TIMED_OUT|ALL",
            description = "Abort: which outcomes count as failures (default: ${DEFAULT-VALUE}).")
    String abortOn;

    @Option(
            names = "--in-progress-timeout",
            paramLabel = "MINUTES",
            description = "Time out executions that stay " + "IN_PROGRESS longer, 1..10080.")
    Long inProgressTimeout;

    @Option(
            names = "--retry-failed",
            paramLabel = "N",
            description = "Retry FAILED executions up to N times, 0..10.")
    Integer retryFailed;

    @Option(
            names = "--retry-timed-out",
            paramLabel = "N",
            description = "Retry TIMED_OUT executions up to N times.")
    Integer retryTimedOut;

    @Option(names = "--dry-run", description = "Print the CreateJob request body; send nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        if (!JobsLimits.validJobId(jobId)) {
            throw CliException.usage("--job-id must be 1..64 characters [a-zA-Z0-9_-]");
        }
        long bytes = fileSize();
        String sig = signatureBase64();
        String url = source.url;
        JobConfigs.PresignedUrlConfig presign = null;
        if (source.s3 != null) {
            if (roleArn == null) {
                throw CliException.usage(
                        "--s3 needs --role-arn (the role AWS IoT uses to presign the URL)");
            }
            url = "${aws:iot:s3-presigned-url:" + httpsUrlOf(source.s3) + "}";
            presign = new JobConfigs.PresignedUrlConfig(roleArn, presignSeconds);
        }
        AfrOtaDocument document =
                new AfrOtaDocument(
                        List.of("HTTP"), null, List.of(AfrOtaFile.http(filepath, bytes, url, sig)));
        try (IotClient iot = dryRun ? null : aws.connection().iot()) {
            List<String> allTargets = new ArrayList<>(targets);
            for (String group : thingGroups) {
                allTargets.add(
                        dryRun
                                ? "arn:aws:iot:<region>:<account>:thinggroup/" + group
                                : new IotJobs(iot).thingGroupArn(group));
            }
            CreateJobRequest job =
                    new CreateJobRequest(
                            allTargets,
                            null,
                            document.toJobDocumentString(),
                            description,
                            presign,
                            targetSelection,
                            rollout(),
                            abort(),
                            inProgressTimeout == null
                                    ? null
                                    : new JobConfigs.TimeoutConfig(inProgressTimeout),
                            retry(),
                            null,
                            null);
            try {
                job.validate();
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
            var out = spec.commandLine().getOut();
            if (dryRun) {
                out.println(
                        new String(JobsJson.write(job), java.nio.charset.StandardCharsets.UTF_8));
                return ExitCode.OK;
            }
            String arn;
            try {
                arn = new IotJobs(iot).create(jobId, job);
            } catch (SdkException e) {
                throw new CliException(
                        ExitCode.IO, "CreateJob " + jobId + " failed: " + AwsOptions.describe(e));
            }
            if (aws.json) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("jobId", jobId);
                j.put("jobArn", arn);
                j.put("document", document.toJobDocument());
                out.println(new ObjectMapper().writeValueAsString(j));
            } else {
                out.println(
                        "created job "
                                + jobId
                                + " ("
                                + arn
                                + ") for "
                                + allTargets.size()
                                + " target"
                                + (allTargets.size() == 1 ? "" : "s"));
            }
            return ExitCode.OK;
        }
    }

    private long fileSize() throws java.io.IOException {
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new CliException(ExitCode.IO, "cannot read " + file + ": not a file");
            }
            return Files.size(file);
        }
        if (size == null || size < 0) {
            throw CliException.usage("give --file or --size");
        }
        return size;
    }

    private String signatureBase64() throws java.io.IOException {
        if (signature.derFile != null) {
            return Base64.getEncoder().encodeToString(Files.readAllBytes(signature.derFile));
        }
        try {
            Base64.getDecoder().decode(signature.base64);
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--signature is not base64");
        }
        return signature.base64;
    }

    private JobConfigs.JobExecutionsRolloutConfig rollout() {
        if (baseRate == null) {
            if (increaseAfterNotified != null || increaseAfterSucceeded != null) {
                throw CliException.usage("--increase-after-* needs --base-rate");
            }
            return maxPerMinute == null
                    ? null
                    : new JobConfigs.JobExecutionsRolloutConfig(maxPerMinute, null);
        }
        if ((increaseAfterNotified == null) == (increaseAfterSucceeded == null)) {
            throw CliException.usage(
                    "--base-rate needs exactly one of --increase-after-succeeded / "
                            + "--increase-after-notified");
        }
        return new JobConfigs.JobExecutionsRolloutConfig(
                maxPerMinute,
                new JobConfigs.ExponentialRate(
                        baseRate,
                        incrementFactor,
                        new JobConfigs.RateIncreaseCriteria(
                                increaseAfterNotified, increaseAfterSucceeded)));
    }

    private JobConfigs.AbortConfig abort() {
        return abortPercent == null
                ? null
                : new JobConfigs.AbortConfig(
                        List.of(
                                new JobConfigs.AbortCriteria(
                                        abortOn, "CANCEL", abortPercent, abortMinExecuted)));
    }

    private JobConfigs.JobExecutionsRetryConfig retry() {
        List<JobConfigs.RetryCriteria> list = new ArrayList<>();
        if (retryFailed != null) {
            list.add(new JobConfigs.RetryCriteria("FAILED", retryFailed));
        }
        if (retryTimedOut != null) {
            list.add(new JobConfigs.RetryCriteria("TIMED_OUT", retryTimedOut));
        }
        return list.isEmpty() ? null : new JobConfigs.JobExecutionsRetryConfig(list);
    }

    /** s3://bucket/key as the https URL AWS IoT's presign placeholder expects. */
    private static String httpsUrlOf(String s3) {
        if (!s3.startsWith("s3://") || s3.indexOf('/', 5) < 6) {
            throw CliException.usage("--s3 must look like s3://bucket/key");
        }
        int slash = s3.indexOf('/', 5);
        return "https://" + s3.substring(5, slash) + ".s3.amazonaws.com/" + s3.substring(slash + 1);
    }
}
