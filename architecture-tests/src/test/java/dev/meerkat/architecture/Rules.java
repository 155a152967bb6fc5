package dev.meerkat.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import java.util.List;

/**
 * The architecture rules, as functions of the module table so that they can be tried on fixtures.
 */
final class Rules {

    /** What device code must never use: application frameworks, servers, brokers and cloud SDKs. */
    static final String[] DEVICE_FORBIDDEN = {
        "io.quarkus..",
        "jakarta..",
        "javax.ws.rs..",
        "javax.inject..",
        "io.vertx..",
        "io.netty..",
        "io.smallrye..",
        "org.eclipse.microprofile..",
        "io.moquette..",
        "software.amazon.awssdk..",
        // cloud-connectors' SDK clients, broker engine and service-side shapes: the device uses
        // only the protocol shapes (dev.meerkat.cloud.aws.jobs, .ota)
        "dev.meerkat.cloud.aws.sdk..",
        "dev.meerkat.cloud.aws.broker..",
        "dev.meerkat.cloud.aws.control..",
        "dev.meerkat.cloud.aws.sigv4..",
        "com.google.cloud..",
        "com.google.api.gax..",
        "io.grpc..",
        "org.hibernate..",
        "org.flywaydb.."
    };

    private Rules() {}

    /** No package cycle among {@code root} and its sub-packages (each package is its own slice). */
    static ArchRule noPackageCycles(String root) {
        SliceAssignment byPackage =
                new SliceAssignment() {
                    @Override
                    public SliceIdentifier getIdentifierOf(JavaClass javaClass) {
                        String pkg = javaClass.getPackageName();
                        return pkg.equals(root) || pkg.startsWith(root + ".")
                                ? SliceIdentifier.of(pkg)
                                : SliceIdentifier.ignore();
                    }

                    @Override
                    public String getDescription() {
                        return "packages of " + root;
                    }
                };
        return slices().assignedFrom(byPackage)
                .should()
                .beFreeOfCycles()
                .as("packages of " + root + " are free of cycles")
                .allowEmptyShould(true);
    }

    /** Device modules use none of {@link #DEVICE_FORBIDDEN}. */
    static ArchRule deviceCodeStaysPlain(Module module) {
        return noClasses()
                .that()
                .resideInAnyPackage(module.packagePatterns())
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(DEVICE_FORBIDDEN)
                .as(
                        module.name()
                                + " (device side) uses no framework, server, broker or cloud SDK");
    }

    /** In a service, only the web layer ({@code api}) knows the web layer. */
    static ArchRule domainDoesNotKnowTheWebLayer(String serviceRoot) {
        return noClasses()
                .that()
                .resideInAPackage(serviceRoot + "..")
                .and()
                .resideOutsideOfPackage(serviceRoot + ".api..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage(serviceRoot + ".api..")
                .as("the domain of " + serviceRoot + " does not import its api package");
    }

    /** A module depends only on itself and on the modules its arrows point to. */
    static ArchRule followsTheArrows(Module module, List<Module> all) {
        String[] forbidden =
                all.stream()
                        .filter(
                                other ->
                                        !other.equals(module)
                                                && !module.mayUse().contains(other.name()))
                        .flatMap(other -> other.packages().stream().map(p -> p + ".."))
                        .toArray(String[]::new);
        return noClasses()
                .that()
                .resideInAnyPackage(module.packagePatterns())
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(forbidden)
                .as(
                        module.name()
                                + " uses only "
                                + (module.mayUse().isEmpty() ? "itself" : module.mayUse()))
                .allowEmptyShould(true);
    }
}
