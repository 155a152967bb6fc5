package dev.meerkat.fleet.deploy;

import dev.meerkat.fleet.refusal.Refusal;
import java.util.Locale;

/**
 * What a device says about its execution: the new status, the version it last saw (optional; a
 * mismatch is refused), free-form details and, after a revert, the bootloader's rollback reason.
 */
public record DeviceReport(
        String status, Long expectedVersion, String statusDetails, String rollbackReason) {
    public static final int MAX_DETAILS = 1000;
    public static final int MAX_REASON = 500;

    public ExecutionEvent event() {
        if (status == null) throw Refusal.badRequest("status is required");
        return switch (status.toUpperCase(Locale.ROOT)) {
            case "IN_PROGRESS" -> ExecutionEvent.START;
            case "SUCCEEDED" -> ExecutionEvent.SUCCEED;
            case "FAILED" -> ExecutionEvent.FAIL;
            case "REJECTED" -> ExecutionEvent.REJECT;
            default ->
                    throw Refusal.badRequest(
                            "a device may report IN_PROGRESS, SUCCEEDED, FAILED or REJECTED, not "
                                    + status);
        };
    }

    public DeviceReport bounded() {
        if (statusDetails != null && statusDetails.length() > MAX_DETAILS) {
            throw Refusal.badRequest("statusDetails longer than " + MAX_DETAILS);
        }
        if (rollbackReason != null && rollbackReason.length() > MAX_REASON) {
            throw Refusal.badRequest("rollbackReason longer than " + MAX_REASON);
        }
        return this;
    }
}
