package dev.meerkat.signing.security;

import java.util.List;

/** The roles a caller may hold; JWT groups and client-certificate mappings name them verbatim. */
public final class Roles {
    public static final String ADMIN = "admin";
    public static final String RELEASE_ENGINEER = "release-engineer";
    public static final String CI_PIPELINE = "ci-pipeline";
    public static final String APPROVER = "approver";
    public static final String FACTORY_STATION = "factory-station";
    public static final String AUDITOR = "auditor";

    public static final List<String> ALL =
            List.of(ADMIN, RELEASE_ENGINEER, CI_PIPELINE, APPROVER, FACTORY_STATION, AUDITOR);

    private Roles() {}
}
