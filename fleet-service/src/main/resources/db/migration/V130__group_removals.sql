-- A static group counts the times members were removed from it: a rollout engine looks for queued
-- executions of devices that left the group only when this count moved since it last looked,
-- instead of scanning the deployment's queued executions on every tick.
ALTER TABLE device_groups ADD COLUMN members_removed BIGINT NOT NULL DEFAULT 0;
