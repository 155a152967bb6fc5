package dev.meerkat.cloud.aws.jobs;

import java.util.Optional;

/**
 * A topic of the Jobs MQTT API, parsed. Formatting and parsing live together so a device agent, the
 * broker-side engine and ACL patterns cannot disagree on a single character.
 */
public sealed interface JobsTopic {

    String PREFIX = "$aws/things/";
    String BRIDGE = "/jobs/";

    /** The job id that stands for "the next pending execution" in describe requests. */
    String NEXT = "$next";

    /** The thing whose topic this is. */
    String thingName();

    /** The topic string. */
    String topic();

    /** A device request: get, start-next, {jobId}/get or {jobId}/update. */
    record Request(String thingName, JobsOperation operation, String jobId) implements JobsTopic {

        public Request {
            if (!JobsLimits.validThingName(thingName)) {
                throw new IllegalArgumentException("invalid thing name: " + thingName);
            }
            if (operation.perJob() != (jobId != null)) {
                throw new IllegalArgumentException(
                        operation + (operation.perJob() ? " needs" : " takes no") + " job id");
            }
            if (jobId != null
                    && !JobsLimits.validJobId(jobId)
                    && !(jobId.equals(NEXT) && operation == JobsOperation.DESCRIBE)) {
                throw new IllegalArgumentException("invalid job id: " + jobId);
            }
        }

        public static Request getPending(String thing) {
            return new Request(thing, JobsOperation.GET_PENDING, null);
        }

        public static Request startNext(String thing) {
            return new Request(thing, JobsOperation.START_NEXT, null);
        }

        public static Request describe(String thing, String jobId) {
            return new Request(thing, JobsOperation.DESCRIBE, jobId);
        }

        public static Request update(String thing, String jobId) {
            return new Request(thing, JobsOperation.UPDATE, jobId);
        }

        @Override
        public String topic() {
            return PREFIX
                    + thingName
                    + BRIDGE
                    + (jobId == null ? "" : jobId + "/")
                    + operation.word();
        }

        public Response accepted() {
            return new Response(this, true);
        }

        public Response rejected() {
            return new Response(this, false);
        }
    }

    /** The accepted or rejected answer to a request. */
    record Response(Request request, boolean accepted) implements JobsTopic {

        @Override
        public String thingName() {
            return request.thingName();
        }

        @Override
        public String topic() {
            return request.topic() + (accepted ? "/accepted" : "/rejected");
        }
    }

    /** {@code $aws/things/{thing}/jobs/notify}: the pending list changed. */
    record Notify(String thingName) implements JobsTopic {
        @Override
        public String topic() {
            return PREFIX + thingName + BRIDGE + "notify";
        }
    }

    /** {@code $aws/things/{thing}/jobs/notify-next}: the next pending execution changed. */
    record NotifyNext(String thingName) implements JobsTopic {
        @Override
        public String topic() {
            return PREFIX + thingName + BRIDGE + "notify-next";
        }
    }

    /** Subscription filters that match exactly the device requests of every thing. */
    static String[] requestFilters() {
        String base = PREFIX + "+" + BRIDGE;
        return new String[] {base + "get", base + "start-next", base + "+/get", base + "+/update"};
    }

    /**
     * Parses a topic under {@code $aws/things/{thing}/jobs/}; empty if it is not one of the API's
     * topics (or names an invalid thing or job).
     */
    static Optional<JobsTopic> parse(String topic) {
        if (topic == null || !topic.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String rest = topic.substring(PREFIX.length());
        int bridge = rest.indexOf(BRIDGE);
        if (bridge <= 0) {
            return Optional.empty();
        }
        String thing = rest.substring(0, bridge);
        if (!JobsLimits.validThingName(thing)) {
            return Optional.empty();
        }
        String[] parts = rest.substring(bridge + BRIDGE.length()).split("/", -1);
        try {
            return Optional.ofNullable(
                    switch (parts.length) {
                        case 1 ->
                                switch (parts[0]) {
                                    case "get" -> Request.getPending(thing);
                                    case "start-next" -> Request.startNext(thing);
                                    case "notify" -> new Notify(thing);
                                    case "notify-next" -> new NotifyNext(thing);
                                    default -> null;
                                };
                        case 2 ->
                                switch (parts[1]) {
                                    case "get" -> Request.describe(thing, parts[0]);
                                    case "update" -> Request.update(thing, parts[0]);
                                    case "accepted", "rejected" ->
                                            responseTo(single(thing, parts[0]), parts[1]);
                                    default -> null;
                                };
                        case 3 ->
                                switch (parts[1]) {
                                    case "get" ->
                                            responseTo(Request.describe(thing, parts[0]), parts[2]);
                                    case "update" ->
                                            responseTo(Request.update(thing, parts[0]), parts[2]);
                                    default -> null;
                                };
                        default -> null;
                    });
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static Request single(String thing, String word) {
        return switch (word) {
            case "get" -> Request.getPending(thing);
            case "start-next" -> Request.startNext(thing);
            default -> null;
        };
    }

    private static Response responseTo(Request request, String outcome) {
        if (request == null) {
            return null;
        }
        return switch (outcome) {
            case "accepted" -> request.accepted();
            case "rejected" -> request.rejected();
            default -> null;
        };
    }
}
