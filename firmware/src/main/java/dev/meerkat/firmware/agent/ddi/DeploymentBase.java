package dev.meerkat.firmware.agent.ddi;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A hawkBit DDI deployment ({@code GET …/deploymentBase/{actionId}}): the action id and its chunks
 * (software modules), each with artifacts. A Meerkat device installs one image: the first artifact
 * of the {@code os} chunk, or of the first chunk that has one.
 *
 * @param actionId the action, as the server names it
 * @param chunks the software modules to install
 */
public record DeploymentBase(String actionId, List<Chunk> chunks) {

    /** A software module. */
    public record Chunk(String part, String version, String name, List<Artifact> artifacts) {
        public Chunk {
            artifacts = List.copyOf(artifacts);
        }
    }

    /**
     * A file to download.
     *
     * @param href {@code download-http}, else {@code download}
     */
    public record Artifact(
            String filename, OptionalLong size, Optional<String> sha256, String href) {}

    public DeploymentBase {
        Objects.requireNonNull(actionId);
        chunks = List.copyOf(chunks);
    }

    /**
     * Reads a deployment base.
     *
     * @throws IllegalArgumentException when it has no id
     */
    public static DeploymentBase fromJson(JsonNode n) {
        String id = n.path("id").asText("");
        if (id.isEmpty() || id.length() > 64) {
            throw new IllegalArgumentException("deployment base without a valid id");
        }
        List<Chunk> chunks = new ArrayList<>();
        for (JsonNode c : n.path("deployment").path("chunks")) {
            List<Artifact> artifacts = new ArrayList<>();
            for (JsonNode a : c.path("artifacts")) {
                Optional<String> href =
                        ControllerBase.href(a.path("_links").path("download-http"))
                                .or(() -> ControllerBase.href(a.path("_links").path("download")));
                if (href.isEmpty()) {
                    continue;
                }
                artifacts.add(
                        new Artifact(
                                a.path("filename").asText(""),
                                a.path("size").canConvertToLong() && a.path("size").asLong() > 0
                                        ? OptionalLong.of(a.path("size").asLong())
                                        : OptionalLong.empty(),
                                a.path("hashes").hasNonNull("sha256")
                                        ? Optional.of(a.path("hashes").get("sha256").asText())
                                        : Optional.empty(),
                                href.get()));
            }
            chunks.add(
                    new Chunk(
                            c.path("part").asText(""),
                            c.path("version").asText(""),
                            c.path("name").asText(""),
                            artifacts));
        }
        return new DeploymentBase(id, chunks);
    }

    /** The image this device installs, if the deployment has one. */
    public Optional<Artifact> image() {
        return chunks.stream()
                .filter(c -> c.part().equals("os"))
                .flatMap(c -> c.artifacts().stream())
                .findFirst()
                .or(() -> chunks.stream().flatMap(c -> c.artifacts().stream()).findFirst());
    }
}
