package dev.meerkat.fleet.deploy;

import java.util.List;
import java.util.Map;

/**
 * A deployment with its per-phase, per-state execution counts (what the CLI and the web page show).
 */
public record DeploymentStatus(
        Deployment deployment,
        String releaseVersion,
        List<PhaseStatus> phases,
        Map<ExecutionState, Integer> totals) {

    /** One phase: its size and how many executions are in each state. */
    public record PhaseStatus(
            int index, int devices, int released, Map<ExecutionState, Integer> counts) {}
}
