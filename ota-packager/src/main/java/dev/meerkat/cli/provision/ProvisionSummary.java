package dev.meerkat.cli.provision;

import dev.meerkat.cli.io.JsonOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one {@code meerkat provision} run did, chip by chip in the order they finished: the line a
 * person reads per chip, the {@code --json} document a script reads at the end, and the progress
 * status while chips are still running. Filled from the station's worker threads.
 */
final class ProvisionSummary {
    private final int chips;
    private final String log;
    private final List<Map<String, Object>> done = new ArrayList<>();
    private int provisioned;
    private int alreadyProvisioned;
    private int failed;

    ProvisionSummary(int chips, String log) {
        this.chips = chips;
        this.log = log;
    }

    /** Records a chip that ended provisioned; returns its text line. */
    synchronized String provisioned(String chip, Provisioner.Outcome o, boolean recorded) {
        boolean changed = o.changedChip() || recorded;
        if (changed) provisioned++;
        else alreadyProvisioned++;
        done.add(
                JsonOutput.object(
                        "chip", chip,
                        "serial", o.serial(),
                        "state", changed ? "provisioned" : "already-provisioned",
                        "certSerial", o.certSerial(),
                        "fingerprint", o.fingerprint(),
                        "steps", o.steps().size(),
                        "totalMs", o.totalMicros() / 1000.0,
                        "chipExecutionMs", o.chipMillis()));
        return String.format(
                Locale.ROOT,
                "%s %s: certificate %s sha256 %s (%d steps, %.1f ms, chip %d ms)",
                o.serial(),
                changed ? "provisioned" : "already provisioned",
                o.certSerial(),
                o.fingerprint(),
                o.steps().size(),
                o.totalMicros() / 1000.0,
                o.chipMillis());
    }

    /** Records a chip that failed, with the one-line reason. */
    synchronized void failed(String chip, String reason) {
        failed++;
        done.add(JsonOutput.object("chip", chip, "state", "failed", "error", reason));
    }

    /** Where the run stands, for the progress lines. */
    synchronized String status() {
        return String.format(
                Locale.ROOT, "%d of %d chips done, %d failed", done.size(), chips, failed);
    }

    /** The {@code --json} document. */
    synchronized Map<String, Object> toJson() {
        return JsonOutput.object(
                "chips", List.copyOf(done),
                "provisioned", provisioned,
                "alreadyProvisioned", alreadyProvisioned,
                "failed", failed,
                "log", log);
    }
}
