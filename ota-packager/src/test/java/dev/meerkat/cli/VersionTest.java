package dev.meerkat.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code -V} and {@code --version} print the version and build time the build recorded. */
class VersionTest {

    @Test
    void printsTheVersionOfTheBuild() {
        String version = System.getProperty("meerkat.project.version");
        assertThat(version).as("the build passes its project version").isNotBlank();
        for (String option : new String[] {"-V", "--version"}) {
            Cli.Run r = Cli.run(option);
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.err()).isEmpty();
            assertThat(r.out().strip())
                    .as(option)
                    .matches(
                            "meerkat "
                                    + java.util.regex.Pattern.quote(version)
                                    + " \\(built \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d)?Z\\)");
        }
        assertThat(Cli.run("version").out().strip()).isEqualTo(version);
    }
}
