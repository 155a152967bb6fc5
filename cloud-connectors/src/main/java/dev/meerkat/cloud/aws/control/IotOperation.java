package dev.meerkat.cloud.aws.control;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The IoT control-plane operations of Meerkat's REST subset with the HTTP method and path template
 * the AWS SDK uses for each (checked against requests the unmodified SDK sends).
 */
public enum IotOperation {
    CREATE_JOB("PUT", "/jobs/{jobId}"),
    DESCRIBE_JOB("GET", "/jobs/{jobId}"),
    CANCEL_JOB("PUT", "/jobs/{jobId}/cancel"),
    LIST_JOB_EXECUTIONS_FOR_JOB("GET", "/jobs/{jobId}/things"),
    DESCRIBE_JOB_EXECUTION("GET", "/things/{thingName}/jobs/{jobId}"),
    CREATE_THING("POST", "/things/{thingName}"),
    CREATE_THING_GROUP("POST", "/thing-groups/{thingGroupName}"),
    ADD_THING_TO_THING_GROUP("PUT", "/thing-groups/addThingToThingGroup"),
    REGISTER_CERTIFICATE_WITHOUT_CA("POST", "/certificate/register-no-ca"),
    ATTACH_THING_PRINCIPAL("PUT", "/things/{thingName}/principals");

    /** The SigV4 signing name of the IoT control plane. */
    public static final String SIGNING_NAME = "iot";

    private final String method;
    private final String template;

    IotOperation(String method, String template) {
        this.method = method;
        this.template = template;
    }

    public String method() {
        return method;
    }

    public String template() {
        return template;
    }

    /** A routed request: the operation and its decoded path parameters. */
    public record Match(IotOperation operation, Map<String, String> pathParameters) {
        public Match {
            pathParameters = Map.copyOf(pathParameters);
        }
    }

    /** Routes a request by method and raw path; literal segments win over parameters. */
    public static Optional<Match> route(String method, String rawPath) {
        String[] path = rawPath.split("/", -1);
        Match best = null;
        for (IotOperation op : values()) {
            if (!op.method.equals(method)) {
                continue;
            }
            String[] t = op.template.split("/", -1);
            if (t.length != path.length) {
                continue;
            }
            Map<String, String> params = new LinkedHashMap<>();
            boolean ok = true;
            for (int i = 0; i < t.length && ok; i++) {
                if (t[i].startsWith("{")) {
                    String value =
                            java.net.URLDecoder.decode(
                                    path[i].replace("+", "%2B"),
                                    java.nio.charset.StandardCharsets.UTF_8);
                    ok = !value.isEmpty();
                    params.put(t[i].substring(1, t[i].length() - 1), value);
                } else {
                    ok = t[i].equals(path[i]);
                }
            }
            if (ok && (best == null || params.size() < best.pathParameters().size())) {
                best = new Match(op, params);
            }
        }
        return Optional.ofNullable(best);
    }
}
