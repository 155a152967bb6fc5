package dev.meerkat.fleet.deploy;

import java.time.Instant;

/**
 * One device's part in one deployment.
 *
 * @param actionId a number unique across deployments (hawkBit DDI's action id)
 * @param seq position in the deployment's release order
 * @param versionNumber bumped by every state change; a report naming another version is refused
 * @param attempt 0 for the first try, then one more per retry
 * @param releasedAt when the device was first allowed to see it (null: never told)
 * @param nextAttemptAt a retry is not offered before this
 * @param rollbackReason what the bootloader reported when it reverted the image
 */
public record Execution(
        long actionId,
        String deploymentId,
        String deviceId,
        int phase,
        int seq,
        ExecutionState state,
        long versionNumber,
        int attempt,
        Instant releasedAt,
        Instant startedAt,
        Instant nextAttemptAt,
        Instant updatedAt,
        String statusDetails,
        String failureType,
        String rollbackReason) {

    /** This execution as {@link ExecutionRepository#transition} leaves it. */
    Execution after(ExecutionState next, ExecutionRepository.Change c, Instant now) {
        return new Execution(
                actionId,
                deploymentId,
                deviceId,
                phase,
                seq,
                next,
                versionNumber + 1,
                c.attempt(),
                releasedAt,
                c.startedAt(),
                c.nextAttemptAt(),
                now,
                c.statusDetails() != null ? c.statusDetails() : statusDetails,
                c.failureType() != null ? c.failureType() : failureType,
                c.rollbackReason() != null ? c.rollbackReason() : rollbackReason);
    }
}
