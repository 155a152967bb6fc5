package dev.meerkat.signing.security;

import static org.assertj.core.api.Assertions.assertThat;

import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;

/** The name a client certificate is known by, which the roles file maps to roles. */
class CallerTest {

    @Test
    void theMostSpecificCommonNameIsTheName() {
        assertThat(Caller.nameOf(new X500Principal("CN=ci-bot, OU=release, O=Meerkat")))
                .isEqualTo("cert:ci-bot");
    }

    @Test
    void anEscapedCommaStaysInsideTheCommonName() {
        assertThat(Caller.nameOf(new X500Principal("CN=Fleet Ops\\, Night Shift, O=Meerkat")))
                .isEqualTo("cert:Fleet Ops, Night Shift");
    }

    @Test
    void aCommonNameInsideAnotherAttributeIsNotTheName() {
        X500Principal crafted = new X500Principal("O=x\\,CN=ci-bot, C=DE");
        assertThat(Caller.nameOf(crafted)).isNotEqualTo("cert:ci-bot").startsWith("cert:O=");
    }
}
