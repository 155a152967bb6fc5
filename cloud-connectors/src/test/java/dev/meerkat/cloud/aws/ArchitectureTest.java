package dev.meerkat.cloud.aws;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The shapes are for devices too: they must not reach the AWS SDK or an MQTT client. */
class ArchitectureTest {

    private final JavaClasses classes =
            new ClassFileImporter()
                    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .importPackages("dev.meerkat.cloud.aws");

    @Test
    void shapesNeedOnlyJackson() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "..aws.jobs..", "..aws.ota..", "..aws.control..", "..aws.sigv4..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "software.amazon..",
                        "org.eclipse.paho..",
                        "dev.meerkat.cloud.aws.sdk..",
                        "dev.meerkat.cloud.aws.broker..")
                .check(classes);
    }

    @Test
    void theEngineNeedsNoAwsSdk() {
        noClasses()
                .that()
                .resideInAPackage("..aws.broker..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("software.amazon..", "dev.meerkat.cloud.aws.sdk..")
                .check(classes);
    }
}
