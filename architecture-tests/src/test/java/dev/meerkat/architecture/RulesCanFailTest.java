package dev.meerkat.architecture;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.meerkat.architecture.Module.Side;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each rule, tried on a fixture that breaks it, reports the violation (so the rules can fail). */
class RulesCanFailTest {

    private static final String FIXTURE = "dev.meerkat.architecture.fixture";
    private final JavaClasses fixtures = new ClassFileImporter().importPackages(FIXTURE);

    @Test
    void aPackageCycleIsReported() {
        assertThatThrownBy(() -> Rules.noPackageCycles(FIXTURE + ".cycle").check(fixtures))
                .hasMessageContaining("Cycle detected");
    }

    @Test
    void deviceCodeUsingInjectionIsReported() {
        Module device =
                new Module("fixture-device", Side.DEVICE, List.of(FIXTURE + ".device"), Set.of());
        assertThatThrownBy(() -> Rules.deviceCodeStaysPlain(device).check(fixtures))
                .hasMessageContaining("jakarta.inject.Inject");
    }

    @Test
    void domainThrowingTheWebLayersExceptionIsReported() {
        assertThatThrownBy(
                        () ->
                                Rules.domainDoesNotKnowTheWebLayer(FIXTURE + ".service")
                                        .check(fixtures))
                .hasMessageContaining("KeyStore");
    }

    @Test
    void anArrowThatIsNotDrawnIsReported() {
        Module left = new Module("left", Side.HOST, List.of(FIXTURE + ".cycle.a"), Set.of());
        Module right = new Module("right", Side.HOST, List.of(FIXTURE + ".cycle.b"), Set.of());
        assertThatThrownBy(() -> Rules.followsTheArrows(left, List.of(left, right)).check(fixtures))
                .hasMessageContaining("Right");
    }
}
