package dev.meerkat.boot;

import dev.meerkat.hal.FlashArea;
import dev.meerkat.hal.ResetException;
import dev.meerkat.image.ImageFormatException;
import dev.meerkat.image.ParsedImage;
import dev.meerkat.image.TlvEntry;
import dev.meerkat.image.TlvType;
import java.util.Optional;

/** Turns a valid image into an invalid one unless the secure element approves it. */
final class SecureBootGate {

    private final SecureBootApprover approver;

    SecureBootGate(SecureBootApprover approver) {
        this.approver = approver;
    }

    Validation check(FlashArea slot, Validation.Valid ok) {
        Optional<TlvEntry> sig;
        try {
            sig = ParsedImage.parse(new SlotImageSource(slot)).first(TlvType.ECDSA_SIG);
        } catch (ImageFormatException e) {
            return new Validation.Invalid(RollbackReason.IMAGE_BAD_TLV, e.getMessage());
        }
        if (sig.isEmpty()) {
            return new Validation.Invalid(
                    RollbackReason.SECURE_ELEMENT_REFUSED,
                    "image has no ECDSA signature for the secure element to check");
        }
        SecureBootApprover.Decision d;
        try {
            d = approver.approve(ok.image().hash(), sig.get().tlv().value());
        } catch (ResetException e) {
            throw e; // power loss or reset while asking: the board restarts
        } catch (RuntimeException e) {
            d = new SecureBootApprover.Refused("secure element error: " + e.getMessage());
        }
        if (d instanceof SecureBootApprover.Refused r) {
            return new Validation.Invalid(RollbackReason.SECURE_ELEMENT_REFUSED, r.why());
        }
        return ok;
    }
}
