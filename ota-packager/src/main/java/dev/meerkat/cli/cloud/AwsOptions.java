package dev.meerkat.cli.cloud;

import dev.meerkat.cli.io.CliException;
import dev.meerkat.cloud.aws.sdk.AwsConnection;
import java.net.URI;
import java.util.Optional;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

/** Options every {@code cloud aws} command shares. */
final class AwsOptions {

    @Option(
            names = "--region",
            paramLabel = "REGION",
            description = "AWS region (default: AWS_REGION or the profile's).")
    String region;

    @Option(
            names = "--profile",
            paramLabel = "NAME",
            description = "Credentials profile from ~/.aws (default: the provider chain).")
    String profile;

    @Option(
            names = "--endpoint",
            paramLabel = "URL",
            description = "Endpoint override: an S3- or IoT-compatible server.")
    URI endpoint;

    @Option(names = "--json", description = "Print one JSON object on stdout (for pipelines).")
    boolean json;

    AwsConnection connection() {
        // log4j 1.2 (the CLI's SLF4J binding) complains on stderr without a configuration: give it
        // one
        if (System.getProperty("log4j.configuration") == null) {
            System.setProperty("log4j.configuration", "dev/meerkat/cli/cloud/aws-log4j.properties");
        }
        AwsCredentialsProvider credentials =
                profile == null
                        ? DefaultCredentialsProvider.builder().build()
                        : ProfileCredentialsProvider.builder().profileName(profile).build();
        Region r;
        if (region != null) {
            r = Region.of(region);
        } else {
            try {
                r = DefaultAwsRegionProviderChain.builder().build().getRegion();
            } catch (SdkClientException e) {
                throw CliException.usage("no AWS region: pass --region or set AWS_REGION");
            }
        }
        if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null)) {
            throw CliException.usage("--endpoint must be an absolute URL, e.g. https://host:port");
        }
        return new AwsConnection(r, credentials, Optional.ofNullable(endpoint));
    }

    /**
     * One line for an SDK failure; the SDK's own message for missing credentials lists every
     * provider.
     */
    static String describe(software.amazon.awssdk.core.exception.SdkException e) {
        String m = String.valueOf(e.getMessage());
        if (m.startsWith("Unable to load credentials")) {
            return "no AWS credentials found (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, pass --profile, or run "
                    + "with a role)";
        }
        return m;
    }
}
