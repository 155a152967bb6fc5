package dev.meerkat.signing.pki;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The device certificate policy and CA defaults ({@code meerkat.pki.*}). Validity is counted in
 * whole years and dates are cut to the hour, because ATECC compressed certificates store them that
 * way.
 */
@ConfigMapping(prefix = "meerkat.pki")
public interface PkiConfig {

    /** Organization (O) put in device and CA subjects. */
    @WithDefault("Meerkat")
    String organization();

    /**
     * Device certificate lifetime in years (1-31); 0 means no well-defined expiry
     * (9999-12-31T23:59:59Z).
     */
    @WithDefault("20")
    int deviceValidityYears();

    /** Lifetime of CA certificates made here, in years (1-31). */
    @WithDefault("30")
    int caValidityYears();

    /** Key backend for CA keys when a request names none (empty: the service's default backend). */
    @WithDefault("")
    java.util.Optional<String> caBackend();

    /** How long a CRL is valid (nextUpdate - thisUpdate), in hours. */
    @WithDefault("24")
    int crlValidityHours();

    /** How long an OCSP response is valid (nextUpdate - thisUpdate), in minutes. */
    @WithDefault("60")
    int ocspValidityMinutes();
}
