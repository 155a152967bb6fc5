package dev.meerkat.fleet.deploy;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Operator commands and the deployment states each is accepted in, as a table. */
public enum DeploymentCommand {
    PAUSE,
    RESUME,
    NEXT_PHASE,
    CANCEL;

    private static final Map<DeploymentCommand, Set<DeploymentState>> ACCEPTED_IN =
            new EnumMap<>(
                    Map.of(
                            PAUSE, EnumSet.of(DeploymentState.RUNNING, DeploymentState.WAITING),
                            RESUME, EnumSet.of(DeploymentState.PAUSED),
                            NEXT_PHASE, EnumSet.of(DeploymentState.WAITING, DeploymentState.PAUSED),
                            CANCEL,
                                    EnumSet.of(
                                            DeploymentState.RUNNING,
                                            DeploymentState.WAITING,
                                            DeploymentState.PAUSED)));

    private static final Map<DeploymentCommand, DeploymentState> RESULT =
            new EnumMap<>(
                    Map.of(
                            PAUSE, DeploymentState.PAUSED,
                            RESUME, DeploymentState.RUNNING,
                            NEXT_PHASE, DeploymentState.RUNNING,
                            CANCEL, DeploymentState.CANCELED));

    /**
     * The state this command leads to from {@code from}, or empty when it is not accepted there.
     */
    public Optional<DeploymentState> apply(DeploymentState from) {
        return ACCEPTED_IN.get(this).contains(from)
                ? Optional.of(RESULT.get(this))
                : Optional.empty();
    }

    public static DeploymentCommand parse(String path) {
        return switch (path) {
            case "pause" -> PAUSE;
            case "resume" -> RESUME;
            case "next-phase" -> NEXT_PHASE;
            case "cancel" -> CANCEL;
            default -> throw new IllegalArgumentException(path);
        };
    }
}
