package dev.meerkat.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChainedEntryTest {

    // Expected values computed outside Java (Python's hashlib over the documented layout), so a
    // change to the layout cannot pass by changing both sides.
    @Test
    void signingServiceEntryHashesAsDocumented() {
        ChainedEntry e =
                new ChainedEntry(
                        1,
                        "2026-01-02T03:04:05Z",
                        "ci",
                        "ci-pipeline",
                        "sign",
                        "release-key",
                        "2",
                        "app.bin",
                        "APPROVED",
                        "ok",
                        null,
                        ChainedEntry.GENESIS);
        assertThat(e.hash())
                .isEqualTo("9433d361f10a692fc79362760900f5a0ce84bf6289f29d1c920798a1bff56081");
    }

    @Test
    void fleetEntryWithAbsentFieldsAndUtf8HashesAsDocumented() {
        ChainedEntry e =
                new ChainedEntry(
                        42,
                        "2026-01-02T03:04:05.123Z",
                        "operator",
                        "operator",
                        "deployment.abort",
                        null,
                        null,
                        "deployment:7",
                        null,
                        null,
                        "Grüße: 3 failures",
                        "ab".repeat(32));
        assertThat(e.hash())
                .isEqualTo("88fc338858b45d1988e58bb5718f78b8096a86e891bc54b8729aebc4b3e2a5eb");
        assertThat(e.hashMatches(e.hash())).isTrue();
    }

    @Test
    void anAbsentFieldDiffersFromAnEmptyOne() {
        ChainedEntry absent =
                new ChainedEntry(1, "t", "a", "r", "x", null, null, null, null, null, null, "p");
        ChainedEntry empty =
                new ChainedEntry(1, "t", "a", "r", "x", null, null, null, null, null, "", "p");
        assertThat(absent.hash()).isNotEqualTo(empty.hash());
    }

    @Test
    void hashComparisonRefusesOtherAndMissingValues() {
        ChainedEntry e =
                new ChainedEntry(1, "t", "a", "r", "x", null, null, null, null, null, null, "p");
        String h = e.hash();
        String flipped =
                (h.charAt(63) == '0' ? h.substring(0, 63) + "1" : h.substring(0, 63) + "0");
        assertThat(e.hashMatches(flipped)).isFalse();
        assertThat(e.hashMatches(h.substring(0, 62))).isFalse();
        assertThat(e.hashMatches(null)).isFalse();
        assertThat(ChainedEntry.sameHash(h, h.toUpperCase())).isFalse();
    }
}
