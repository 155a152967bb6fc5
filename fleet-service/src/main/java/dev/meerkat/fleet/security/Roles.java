package dev.meerkat.fleet.security;

import java.util.List;

/**
 * The roles a fleet caller may hold; JWT groups and client-certificate mappings name them verbatim.
 */
public final class Roles {
    public static final String ADMIN = "admin";
    public static final String RELEASE_MANAGER = "release-manager";
    public static final String OPERATOR = "operator";
    public static final String VIEWER = "viewer";
    public static final String DEVICE = "device";

    public static final List<String> ALL =
            List.of(ADMIN, RELEASE_MANAGER, OPERATOR, VIEWER, DEVICE);

    private Roles() {}
}
