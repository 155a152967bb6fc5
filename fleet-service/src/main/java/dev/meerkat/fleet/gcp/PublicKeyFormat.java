package dev.meerkat.fleet.gcp;

import java.util.Arrays;

/**
 * The device key formats of Cloud IoT Core, with their proto numbers and the JWT algorithm each
 * signs.
 */
public enum PublicKeyFormat {
    RSA_X509_PEM(1, "RS256", true),
    ES256_PEM(2, "ES256", false),
    RSA_PEM(3, "RS256", false),
    ES256_X509_PEM(4, "ES256", true);

    private final int number;
    private final String jwtAlgorithm;
    private final boolean certificate;

    PublicKeyFormat(int number, String jwtAlgorithm, boolean certificate) {
        this.number = number;
        this.jwtAlgorithm = jwtAlgorithm;
        this.certificate = certificate;
    }

    public int number() {
        return number;
    }

    public String jwtAlgorithm() {
        return jwtAlgorithm;
    }

    public boolean certificate() {
        return certificate;
    }

    /** Accepts the proto number or the name, as proto3 JSON does. */
    public static PublicKeyFormat of(String text) {
        if (text == null)
            throw IotCoreException.invalid("credentials.publicKey.format is required");
        return Arrays.stream(values())
                .filter(f -> f.name().equals(text) || Integer.toString(f.number).equals(text))
                .findFirst()
                .orElseThrow(
                        () ->
                                IotCoreException.invalid(
                                        "unsupported public key format '"
                                                + text
                                                + "': use RSA_X509_PEM, ES256_PEM, RSA_PEM or ES256_X509_PEM"));
    }
}
