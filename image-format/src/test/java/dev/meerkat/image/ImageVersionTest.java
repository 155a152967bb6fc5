package dev.meerkat.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ImageVersionTest {
    /** imgtool's version pattern (version.py): the oracle for what is accepted. */
    private static final Pattern IMGTOOL =
            Pattern.compile(
                    "^(0|[1-9]\\d*)(?:\\.(0|[1-9]\\d*)(?:\\.(0|[1-9]\\d*)(?:\\+(0|[1-9]\\d*))?)?)?$");

    @Test
    void acceptsExactlyWhatImgtoolAccepts() {
        List<String> texts =
                List.of(
                        "0",
                        "1",
                        "1.2",
                        "1.2.3",
                        "1.2.3+4",
                        "255.255.65535+4294967295",
                        " 1.2.3 ",
                        "10.20.300+4000",
                        "1.0.0+0",
                        "",
                        ".",
                        "1.",
                        "1..2",
                        "1.2.",
                        "1.2.3.",
                        "1.2.3.4",
                        "1.2+3",
                        "1+3",
                        "+3",
                        "1.2.3+",
                        "1.2.3++4",
                        "01",
                        "1.02",
                        "1.2.03",
                        "1.2.3+04",
                        "00",
                        "a",
                        "1.a",
                        "1.2.3+4a",
                        "1,2,3",
                        "1.2.3-rc1",
                        "v1.2.3",
                        "1.2.3+4+5",
                        "١.٢.٣");
        for (String t : texts) {
            Matcher m = IMGTOOL.matcher(t.trim());
            if (m.matches()) {
                ImageVersion v = ImageVersion.parse(t);
                assertThat(v.major()).as(t).isEqualTo(Integer.parseInt(m.group(1)));
                assertThat(v.minor())
                        .as(t)
                        .isEqualTo(m.group(2) == null ? 0 : Integer.parseInt(m.group(2)));
                assertThat(v.revision())
                        .as(t)
                        .isEqualTo(m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
                assertThat(v.build())
                        .as(t)
                        .isEqualTo(m.group(4) == null ? 0 : Long.parseLong(m.group(4)));
            } else {
                assertThatThrownBy(() -> ImageVersion.parse(t))
                        .as(t)
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessage(
                                "invalid version '" + t + "': expected major.minor.revision+build");
            }
        }
    }

    @Test
    void namesNumbersOutOfRange() {
        assertThatThrownBy(() -> ImageVersion.parse("256.0.0"))
                .hasMessage("major 256 outside 0..255");
        assertThatThrownBy(() -> ImageVersion.parse("1.2.65536"))
                .hasMessage("revision 65536 outside 0..65535");
        assertThatThrownBy(() -> ImageVersion.parse("1.2.3+4294967296"))
                .hasMessage("build 4294967296 outside 0..4294967295");
        assertThatThrownBy(() -> ImageVersion.parse("3000000000.0.0"))
                .hasMessage("invalid version '3000000000.0.0': number too large");
        assertThatThrownBy(() -> ImageVersion.parse("1.2.3+99999999999999999999"))
                .hasMessage("invalid version '1.2.3+99999999999999999999': number too large");
    }
}
