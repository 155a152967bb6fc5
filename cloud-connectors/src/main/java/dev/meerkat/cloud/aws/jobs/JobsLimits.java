package dev.meerkat.cloud.aws.jobs;

import java.util.Map;
import java.util.regex.Pattern;

/** AWS IoT's documented limits on names and status details, checked before anything is stored. */
public final class JobsLimits {

    private static final Pattern THING_NAME = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");
    private static final Pattern JOB_ID = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
    private static final Pattern DETAIL_KEY = Pattern.compile("[a-zA-Z0-9:_-]{1,128}");

    /** AWS: a status-details value is at most 1024 characters. */
    public static final int MAX_DETAIL_VALUE = 1024;

    /** Bounded so one execution's details stay well inside an MQTT message a device can take. */
    public static final int MAX_DETAILS = 32;

    public static final int MAX_CLIENT_TOKEN = 64;

    /** AWS: stepTimeoutInMinutes 1..10080 (one week). */
    public static final long MAX_STEP_TIMEOUT_MINUTES = 10080;

    /** AWS IoT's MQTT payload limit; requests larger than this are refused before parsing. */
    public static final int MAX_PAYLOAD = 128 * 1024;

    private JobsLimits() {}

    public static boolean validThingName(String name) {
        return name != null && THING_NAME.matcher(name).matches();
    }

    public static boolean validJobId(String jobId) {
        return jobId != null && JOB_ID.matcher(jobId).matches();
    }

    /** Throws InvalidRequest naming the first field outside the limits. */
    public static void checkRequest(
            String clientToken, Map<String, String> statusDetails, Long stepTimeoutInMinutes) {
        if (clientToken != null && clientToken.length() > MAX_CLIENT_TOKEN) {
            throw invalid("clientToken is longer than " + MAX_CLIENT_TOKEN + " characters");
        }
        if (statusDetails != null) {
            if (statusDetails.size() > MAX_DETAILS) {
                throw invalid("statusDetails has more than " + MAX_DETAILS + " entries");
            }
            for (Map.Entry<String, String> e : statusDetails.entrySet()) {
                if (!DETAIL_KEY.matcher(e.getKey()).matches()) {
                    throw invalid(
                            "statusDetails key '" + e.getKey() + "' is not [a-zA-Z0-9:_-]{1,128}");
                }
                if (e.getValue() == null
                        || e.getValue().isEmpty()
                        || e.getValue().length() > MAX_DETAIL_VALUE) {
                    throw invalid(
                            "statusDetails."
                                    + e.getKey()
                                    + " must have 1.."
                                    + MAX_DETAIL_VALUE
                                    + " characters");
                }
            }
        }
        if (stepTimeoutInMinutes != null
                && (stepTimeoutInMinutes < 1 || stepTimeoutInMinutes > MAX_STEP_TIMEOUT_MINUTES)) {
            throw invalid("stepTimeoutInMinutes must be 1.." + MAX_STEP_TIMEOUT_MINUTES);
        }
    }

    private static JobsProtocolException invalid(String message) {
        return new JobsProtocolException(RejectedErrorCode.InvalidRequest, message);
    }
}
