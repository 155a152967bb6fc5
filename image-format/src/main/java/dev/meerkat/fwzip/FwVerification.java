package dev.meerkat.fwzip;

import java.util.List;
import java.util.Objects;

/**
 * What {@link FwBundle#verify} found.
 *
 * <p>The bundle is {@link #valid()} when every part with data is present with the right size, SHA-1
 * and SHA-256, there are no {@link #problems()}, and the signature rule holds: when keys were
 * given, at least one signature must match one of them; when a signature was required, keys must
 * have been given. An unsigned bundle verified without keys and without requiring a signature is
 * valid as far as checksums go ({@link #signed()} tells the caller).
 *
 * @param parts one result per manifest part, in manifest order
 * @param signatures one result per signature slot present, in slot order
 * @param keyCount how many public keys were offered
 * @param signatureRequired whether a matching signature was required
 * @param problems bundle-level problems, such as "no signature matches"
 */
public record FwVerification(
        List<PartResult> parts,
        List<SignatureResult> signatures,
        int keyCount,
        boolean signatureRequired,
        List<String> problems) {

    public FwVerification {
        parts = List.copyOf(parts);
        signatures = List.copyOf(signatures);
        problems = List.copyOf(problems);
    }

    /** True if the bundle passed every check. */
    public boolean valid() {
        return problems.isEmpty() && parts.stream().allMatch(PartResult::ok);
    }

    /** True if the bundle carries at least one signature (matching or not). */
    public boolean signed() {
        return !signatures.isEmpty();
    }

    /** True if some signature matched a given key. */
    public boolean signatureMatched() {
        return signatures.stream().anyMatch(SignatureResult::matched);
    }

    /**
     * The check of one part.
     *
     * @param name part name
     * @param entry archive entry holding its data, or null if it has none or it is missing
     * @param hasData whether the manifest gives the part a source file
     * @param expectedSize the manifest's {@code size}, or null
     * @param actualSize bytes read, or -1 if the data could not be read
     * @param sizeOk size matches
     * @param sha1Ok {@code cs_sha1} present and matches
     * @param sha256Ok {@code cs_sha256} present and matches
     * @param actualSha1 computed SHA-1 in hex, or null
     * @param actualSha256 computed SHA-256 in hex, or null
     * @param error what went wrong, or null
     */
    public record PartResult(
            String name,
            String entry,
            boolean hasData,
            Long expectedSize,
            long actualSize,
            boolean sizeOk,
            boolean sha1Ok,
            boolean sha256Ok,
            String actualSha1,
            String actualSha256,
            String error) {

        public PartResult {
            Objects.requireNonNull(name, "name");
        }

        /** True if the part passed (a part without data passes trivially). */
        public boolean ok() {
            return !hasData || (error == null && sizeOk && sha1Ok && sha256Ok);
        }
    }

    /**
     * The check of one signature slot.
     *
     * @param slot signature slot
     * @param matchedKey index (in the list given to verify) of the key that verified it, or -1
     * @param keyFingerprint {@link FwKeys#fingerprint} of that key, or null
     */
    public record SignatureResult(int slot, int matchedKey, String keyFingerprint) {
        /** True if a given key verified this signature. */
        public boolean matched() {
            return matchedKey >= 0;
        }
    }
}
