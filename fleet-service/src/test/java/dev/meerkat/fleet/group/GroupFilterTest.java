package dev.meerkat.fleet.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.meerkat.fleet.refusal.Refusal;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupFilterTest {

    @Test
    void clausesAreAnded() {
        GroupFilter f = GroupFilter.parse("region=eu-* and hardware != rev1 and version < 2.0.0");
        assertThat(f.matches(Map.of("region", "eu-west", "hardware", "rev2", "version", "1.9.3")))
                .isTrue();
        assertThat(f.matches(Map.of("region", "us-east", "hardware", "rev2", "version", "1.9.3")))
                .isFalse();
        assertThat(f.matches(Map.of("region", "eu-west", "hardware", "rev1", "version", "1.9.3")))
                .isFalse();
        assertThat(f.matches(Map.of("region", "eu-west", "hardware", "rev2", "version", "2.0.0")))
                .isFalse();
    }

    @Test
    void versionsCompareNumerically() {
        assertThat(GroupFilter.parse("version >= 1.10.0").matches(Map.of("version", "1.10.0")))
                .isTrue();
        assertThat(GroupFilter.parse("version > 1.9.0").matches(Map.of("version", "1.10.0")))
                .isTrue();
        assertThat(GroupFilter.compareVersions("1.2.3+4", "1.2.3")).isPositive();
    }

    @Test
    void aMissingKeyNeverMatches() {
        assertThat(GroupFilter.parse("tag!=beta").matches(Map.of())).isFalse();
    }

    @Test
    void malformedFiltersAreRefusedWithTheClause() {
        assertThatThrownBy(() -> GroupFilter.parse("region eu"))
                .isInstanceOf(Refusal.class)
                .hasMessageContaining("'region eu'");
        assertThatThrownBy(() -> GroupFilter.parse("x=" + "a".repeat(1000)))
                .isInstanceOf(Refusal.class);
    }
}
