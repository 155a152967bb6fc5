package dev.meerkat.cli.cloud;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.cloud.aws.sdk.AwsConnection;
import dev.meerkat.cloud.aws.sdk.PublishedObject;
import dev.meerkat.cloud.aws.sdk.S3Publisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
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
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** {@code meerkat cloud aws publish}. */
@Command(
        name = "publish",
        mixinStandardHelpOptions = true,
        description = {
            "Upload a signed image or fw.zip to S3; print its URL and a presigned GET URL.",
            "",
            "Files larger than --part-size go up as a multipart upload (aborted if a part fails); every "
                    + "part carries its SHA-256 for S3 to check, and the object is checked back with a HEAD.",
            "--json prints: bucket, key, size, sha256, etag, parts, s3Uri, objectUrl, presignedUrl, "
                    + "presignedUntil."
        })
final class PublishCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin AwsOptions aws;

    @Parameters(paramLabel = "FILE", description = "The file to publish.")
    Path file;

    @Option(
            names = "--bucket",
            required = true,
            paramLabel = "NAME",
            description = "Target bucket.")
    String bucket;

    @Option(
            names = "--key",
            paramLabel = "KEY",
            description = "Object key (default: the file name).")
    String key;

    @Option(
            names = "--presign-for",
            defaultValue = "PT1H",
            paramLabel = "DURATION",
            description =
                    "Lifetime of the presigned URL, ISO-8601 (default: ${DEFAULT-VALUE}; at most P7D).")
    String presignFor;

    @Option(
            names = "--part-size",
            defaultValue = "16",
            paramLabel = "MiB",
            description =
                    "Multipart part size and threshold in MiB, at least 5 (default: ${DEFAULT-VALUE}).")
    int partMiB;

    @Option(
            names = "--content-type",
            paramLabel = "TYPE",
            description = "Content type (default: by file name).")
    String contentType;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new CliException(ExitCode.IO, "cannot read " + file + ": not a file");
        }
        Duration ttl;
        try {
            ttl = Duration.parse(presignFor);
        } catch (DateTimeParseException e) {
            throw CliException.usage(
                    "--presign-for must be an ISO-8601 duration such as PT1H, got " + presignFor);
        }
        if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(S3Publisher.MAX_PRESIGN) > 0) {
            throw CliException.usage("--presign-for must be between PT1S and P7D");
        }
        if (partMiB < 5) {
            throw CliException.usage("--part-size must be at least 5 (MiB)");
        }
        String objectKey = key != null ? key : file.getFileName().toString();
        String type =
                contentType != null
                        ? contentType
                        : objectKey.endsWith(".zip")
                                ? "application/zip"
                                : "application/octet-stream";
        var err = spec.commandLine().getErr();
        AwsConnection connection = aws.connection();
        PublishedObject o;
        try (S3Client s3 = connection.s3();
                S3Presigner presigner = connection.presigner()) {
            o =
                    new S3Publisher(s3, presigner, Clock.systemUTC(), (long) partMiB << 20)
                            .publish(
                                    file,
                                    bucket,
                                    objectKey,
                                    type,
                                    ttl,
                                    new UploadProgress(
                                            err,
                                            file.getFileName().toString(),
                                            Files.size(file),
                                            System.console() != null));
        } catch (SdkException e) {
            throw new CliException(
                    ExitCode.IO,
                    "upload to s3://"
                            + bucket
                            + "/"
                            + objectKey
                            + " failed: "
                            + AwsOptions.describe(e));
        }
        var out = spec.commandLine().getOut();
        if (aws.json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("bucket", o.bucket());
            j.put("key", o.key());
            j.put("size", o.size());
            j.put("sha256", o.sha256Hex());
            j.put("etag", o.eTag());
            j.put("parts", o.parts());
            j.put("s3Uri", o.s3Uri());
            j.put("objectUrl", o.objectUrl().toString());
            j.put("presignedUrl", o.presignedUrl().toString());
            j.put("presignedUntil", o.presignedUntil().toString());
            out.println(new ObjectMapper().writeValueAsString(j));
        } else {
            out.printf(
                    "published %s (%,d bytes, %d part%s, sha256 %s)%n",
                    o.s3Uri(), o.size(), o.parts(), o.parts() == 1 ? "" : "s", o.sha256Hex());
            out.println("object URL:    " + o.objectUrl());
            out.println("presigned URL: " + o.presignedUrl());
            out.println("valid until:   " + o.presignedUntil());
        }
        out.flush();
        return ExitCode.OK;
    }
}
