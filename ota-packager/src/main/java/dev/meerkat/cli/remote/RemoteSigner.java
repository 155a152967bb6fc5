package dev.meerkat.cli.remote;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.cli.io.ExitCode;
import dev.meerkat.image.DigestSigner;
import dev.meerkat.image.VerificationKey;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Signs image digests with a key held by the signing service: only the 32-byte SHA-256 is sent.
 * Production keys answer with a pending request; this signer then waits (up to {@code
 * MEERKAT_APPROVAL_WAIT} seconds, default 900) for the approvers. Every returned signature is
 * checked against the key before it is used.
 */
public final class RemoteSigner implements DigestSigner {
    private final RemoteClient client;
    private final String keyId;
    private final int keyVersion;
    private final VerificationKey key;
    private final PrintWriter err;
    private final Map<String, Object> image;

    private RemoteSigner(
            RemoteClient client,
            String keyId,
            int keyVersion,
            VerificationKey key,
            PrintWriter err,
            Map<String, Object> image) {
        this.client = client;
        this.keyId = keyId;
        this.keyVersion = keyVersion;
        this.key = key;
        this.err = err;
        this.image = image;
    }

    /** The same signer, telling approvers which file, version and size the digest is of. */
    public RemoteSigner describing(String fileName, String version, long size) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (fileName != null)
            m.put("fileName", fileName.length() > 255 ? fileName.substring(0, 255) : fileName);
        if (version != null) m.put("imageVersion", version);
        m.put("imageSize", size);
        return new RemoteSigner(client, keyId, keyVersion, key, err, m);
    }

    /** Fetches the key's current public key from the service at {@code url}. */
    public static RemoteSigner connect(String url, String keyId, PrintWriter err) {
        RemoteClient client = RemoteClient.fromEnvironment(url);
        RemoteClient.Reply r =
                client.getText("/api/v1/keys/" + RemoteClient.encode(keyId) + "/public?format=pem");
        int version = Integer.parseInt(r.raw().headers().firstValue("X-Key-Version").orElse("0"));
        VerificationKey vk;
        try {
            vk = VerificationKey.fromPem(r.text());
        } catch (IllegalArgumentException e) {
            throw CliException.invalid(
                    "the service returned an unreadable public key for "
                            + keyId
                            + ": "
                            + e.getMessage());
        }
        if (!vk.type().canSign()) throw CliException.usage("key " + keyId + " cannot sign images");
        return new RemoteSigner(client, keyId, version, vk, err, Map.of());
    }

    @Override
    public VerificationKey verificationKey() {
        return key;
    }

    @Override
    public byte[] signDigest(byte[] sha256Digest) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("keyId", keyId);
        if (keyVersion > 0) body.put("keyVersion", keyVersion);
        body.put("algorithm", "sha256");
        body.put("digest", HexFormat.of().formatHex(sha256Digest));
        body.putAll(image);
        JsonNode result;
        String resume = RemoteClient.setting("meerkat.sign.request", "MEERKAT_SIGN_REQUEST");
        if (resume != null && !resume.isBlank()) {
            // Resume waiting on a request made earlier (for the same digest) instead of making a
            // new one.
            result = client.get("/api/v1/requests/" + RemoteClient.encode(resume.strip()));
            if (!HexFormat.of().formatHex(sha256Digest).equals(result.path("digest").asText())) {
                throw CliException.invalid(
                        "signing request "
                                + resume.strip()
                                + " is for another digest than this image's");
            }
            if ("pending".equals(result.path("state").asText())) result = awaitApproval(result);
        } else {
            RemoteClient.Reply r = client.post("/api/v1/sign/digest", body);
            result = r.json();
            if (r.status() == 202) result = awaitApproval(result);
        }
        if (!"signed".equals(result.path("state").asText())) {
            throw CliException.invalid(
                    "signing request "
                            + result.path("requestId").asText()
                            + " was "
                            + result.path("state").asText()
                            + (result.hasNonNull("reason")
                                    ? ": " + result.path("reason").asText()
                                    : ""));
        }
        if (!HexFormat.of().formatHex(sha256Digest).equals(result.path("digest").asText())) {
            throw CliException.invalid("the service signed a different digest");
        }
        byte[] sig = Base64.getDecoder().decode(result.path("signature").asText());
        if (!key.verifyDigest(key.type().signatureTlv(), sha256Digest, sig)) {
            throw CliException.invalid(
                    "the service's signature does not verify with key " + keyId + " (" + key + ")");
        }
        return sig;
    }

    private JsonNode awaitApproval(JsonNode pending) {
        String id = pending.path("requestId").asText();
        long waitSeconds =
                Long.parseLong(
                        String.valueOf(
                                RemoteClient.setting(
                                                        "meerkat.approval.wait",
                                                        "MEERKAT_APPROVAL_WAIT")
                                                == null
                                        ? "900"
                                        : RemoteClient.setting(
                                                "meerkat.approval.wait", "MEERKAT_APPROVAL_WAIT")));
        if (err != null) {
            err.printf(
                    "production key %s: signing request %s needs %d approvals (meerkat approve %s); waiting up to %ds"
                            + " (to resume later: MEERKAT_SIGN_REQUEST=%s, or run the same command again)%n",
                    keyId, id, pending.path("approvalsRequired").asInt(), id, waitSeconds, id);
            err.flush();
        }
        Instant deadline = Instant.now().plus(Duration.ofSeconds(waitSeconds));
        JsonNode r = pending;
        while ("pending".equals(r.path("state").asText())) {
            if (Instant.now().isAfter(deadline)) {
                throw new CliException(
                        ExitCode.INVALID,
                        "signing request "
                                + id
                                + " is still pending after "
                                + waitSeconds
                                + "s; once approved, resume with MEERKAT_SIGN_REQUEST="
                                + id
                                + " and the same command");
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCode.IO, "interrupted while waiting for approvals");
            }
            r = client.get("/api/v1/requests/" + RemoteClient.encode(id));
        }
        return r;
    }
}
