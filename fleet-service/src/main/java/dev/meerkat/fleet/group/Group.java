package dev.meerkat.fleet.group;

import java.time.Instant;
import java.util.Optional;

/**
 * A set of devices a deployment targets: a static list, or a dynamic filter whose members are
 * whichever devices match it at the moment it is asked (so devices that join later are included).
 */
public record Group(String name, Kind kind, Optional<GroupFilter> filter, Instant createdAt) {

    public enum Kind {
        STATIC,
        DYNAMIC
    }

    public Group {
        if ((kind == Kind.DYNAMIC) != filter.isPresent()) {
            throw new IllegalArgumentException(
                    "a dynamic group has a filter, a static one has none");
        }
    }
}
