package dev.meerkat.chip.jca;

import java.security.Provider;
import java.util.Map;

/**
 * JCA provider for keys held in a secure element: {@code Signature} SHA256withECDSA and
 * NONEwithECDSA, {@code KeyAgreement} ECDH, each accepting only {@link ChipPrivateKey}. Register it
 * with {@code Security.addProvider(new ChipProvider())}; thanks to the SupportedKeyClasses
 * attribute the JCA routes chip keys here and every other key to the software providers, so JSSE
 * (TLS client authentication) signs with the chip without configuration.
 */
public final class ChipProvider extends Provider {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "MeerkatChip";

    public ChipProvider() {
        super(NAME, "1.0", "Meerkat secure element provider (ATECC508A/608 key slots)");
        Map<String, String> attrs = Map.of("SupportedKeyClasses", ChipPrivateKey.class.getName());
        putService(
                new Service(
                        this,
                        "Signature",
                        "SHA256withECDSA",
                        ChipSignature.Sha256.class.getName(),
                        null,
                        attrs));
        putService(
                new Service(
                        this,
                        "Signature",
                        "NONEwithECDSA",
                        ChipSignature.None.class.getName(),
                        null,
                        attrs));
        putService(
                new Service(
                        this,
                        "KeyAgreement",
                        "ECDH",
                        ChipKeyAgreement.class.getName(),
                        null,
                        attrs));
    }
}
