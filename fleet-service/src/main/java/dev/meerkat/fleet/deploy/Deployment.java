package dev.meerkat.fleet.deploy;

import java.time.Instant;

/**
 * A release rolled out to a group under a plan.
 *
 * @param currentPhase 0-based index of the phase being released (or last released)
 * @param rateTokens executions the rate limit allows to release right now (token bucket)
 * @param stateReason why the deployment is paused, waiting, aborted or canceled
 * @param rowVersion bumped by every change of this row
 */
public record Deployment(
        String id,
        String releaseId,
        String groupName,
        DeploymentState state,
        RolloutPlan plan,
        int currentPhase,
        Instant phaseStartedAt,
        double rateTokens,
        Instant rateUpdatedAt,
        String stateReason,
        Instant createdAt,
        String createdBy,
        long rowVersion) {

    public Deployment withState(DeploymentState s, String reason) {
        return new Deployment(
                id,
                releaseId,
                groupName,
                s,
                plan,
                currentPhase,
                phaseStartedAt,
                rateTokens,
                rateUpdatedAt,
                reason,
                createdAt,
                createdBy,
                rowVersion);
    }

    public Deployment withPhase(int phase, Instant startedAt) {
        return new Deployment(
                id,
                releaseId,
                groupName,
                state,
                plan,
                phase,
                startedAt,
                rateTokens,
                rateUpdatedAt,
                stateReason,
                createdAt,
                createdBy,
                rowVersion);
    }

    public Deployment withRate(double tokens, Instant at) {
        return new Deployment(
                id,
                releaseId,
                groupName,
                state,
                plan,
                currentPhase,
                phaseStartedAt,
                tokens,
                at,
                stateReason,
                createdAt,
                createdBy,
                rowVersion);
    }
}
