package dev.meerkat.signing.sign;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The answer to a signing request. {@code state} is {@code signed} with the signature, or {@code
 * pending} (production keys) until enough approvers agree, or {@code rejected}/{@code cancelled}.
 * {@code signature} is the MCUboot TLV encoding (DER for ECDSA, raw otherwise), base64; {@code
 * signatureDer} and {@code signatureRaw} (r‖s) are both given for ECDSA. {@code fileName}, {@code
 * imageVersion} and {@code imageSize} describe the image to approvers, as the requester gave them.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SignResult(
        String state,
        String requestId,
        String keyId,
        int keyVersion,
        String keyHash,
        String algorithm,
        String digest,
        String signature,
        String signatureDer,
        String signatureRaw,
        Integer approvalsRequired,
        List<Approval> approvals,
        String requester,
        String reason,
        String createdAt,
        String fileName,
        String imageVersion,
        Long imageSize) {

    /** One approver's decision on a request. */
    public record Approval(String approver, String decision, String comment, String at) {}
}
