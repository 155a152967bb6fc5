package dev.meerkat.fleet.aws;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;

/**
 * ARNs of this service's resources, {@code arn:aws:iot:<region>:<account>:<kind>/<name>}, and the
 * way back from an ARN a client sends to the resource it names (only our own region and account).
 */
@ApplicationScoped
public class AwsArns {

    /** Resource kinds as they appear in ARNs. */
    public enum Kind {
        THING("thing"),
        THING_GROUP("thinggroup"),
        JOB("job"),
        CERT("cert");

        final String word;

        Kind(String word) {
            this.word = word;
        }
    }

    /** A parsed ARN of ours. */
    public record Ref(Kind kind, String name) {}

    @Inject AwsSettings config;

    public String of(Kind kind, String name) {
        return prefix() + kind.word + "/" + name;
    }

    /** The resource an ARN names, or empty when it is not one of ours or malformed. */
    public Optional<Ref> parse(String arn) {
        if (arn == null || !arn.startsWith(prefix())) return Optional.empty();
        String rest = arn.substring(prefix().length());
        int slash = rest.indexOf('/');
        if (slash <= 0 || slash == rest.length() - 1) return Optional.empty();
        String word = rest.substring(0, slash);
        String name = rest.substring(slash + 1);
        for (Kind k : Kind.values()) {
            if (k.word.equals(word) && name.indexOf('/') < 0) return Optional.of(new Ref(k, name));
        }
        return Optional.empty();
    }

    private String prefix() {
        return "arn:aws:iot:" + config.region() + ":" + config.accountId() + ":";
    }
}
