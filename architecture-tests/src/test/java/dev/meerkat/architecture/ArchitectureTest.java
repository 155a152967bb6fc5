package dev.meerkat.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import dev.meerkat.architecture.Module.Side;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The rules of docs/architecture.md, checked on every module's compiled classes. */
class ArchitectureTest {

    private static JavaClasses classes;

    @BeforeAll
    static void importAllModules() {
        Path root = Modules.root();
        classes =
                new ClassFileImporter()
                        .importPaths(Modules.ALL.stream().map(m -> m.classes(root)).toList());
        for (Module module : Modules.ALL) {
            assertThat(
                            classes.stream()
                                    .anyMatch(
                                            c ->
                                                    module.packages().stream()
                                                            .anyMatch(
                                                                    p ->
                                                                            c.getPackageName()
                                                                                    .startsWith(
                                                                                            p))))
                    .as("classes of " + module.name() + " were imported")
                    .isTrue();
        }
    }

    @TestFactory
    Stream<DynamicTest> noPackageCycleInsideAnyModule() {
        return Modules.ALL.stream()
                .flatMap(m -> m.packages().stream())
                .map(
                        root ->
                                DynamicTest.dynamicTest(
                                        root, () -> Rules.noPackageCycles(root).check(classes)));
    }

    @TestFactory
    Stream<DynamicTest> deviceModulesUseNoFrameworkOrBroker() {
        return Modules.ALL.stream()
                .filter(m -> m.side() == Side.DEVICE)
                .map(
                        m ->
                                DynamicTest.dynamicTest(
                                        m.name(),
                                        () -> Rules.deviceCodeStaysPlain(m).check(classes)));
    }

    @TestFactory
    Stream<DynamicTest> serviceDomainsDoNotImportTheirApi() {
        return Modules.ALL.stream()
                .filter(m -> m.side() == Side.SERVICE)
                .flatMap(m -> m.packages().stream())
                .map(
                        root ->
                                DynamicTest.dynamicTest(
                                        root,
                                        () ->
                                                Rules.domainDoesNotKnowTheWebLayer(root)
                                                        .check(classes)));
    }

    @TestFactory
    Stream<DynamicTest> modulesFollowTheArrows() {
        return Modules.ALL.stream()
                .map(
                        m ->
                                DynamicTest.dynamicTest(
                                        m.name(),
                                        () ->
                                                Rules.followsTheArrows(m, Modules.ALL)
                                                        .check(classes)));
    }
}
