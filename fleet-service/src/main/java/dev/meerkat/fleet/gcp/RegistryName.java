package dev.meerkat.fleet.gcp;

/** {@code projects/{project}/locations/{location}/registries/{registry}}, validated. */
public record RegistryName(String project, String location, String registry) {
    public RegistryName {
        ResourceIds.scope("project", project);
        ResourceIds.scope("location", location);
        ResourceIds.id("registry", registry);
    }

    public String parent() {
        return "projects/" + project + "/locations/" + location;
    }

    @Override
    public String toString() {
        return parent() + "/registries/" + registry;
    }

    public DeviceName device(String id) {
        return new DeviceName(this, id);
    }
}
