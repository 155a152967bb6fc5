package dev.meerkat.cloud.gcp;

import com.google.api.gax.core.FixedCredentialsProvider;
import com.google.auth.Credentials;
import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.cloud.iot.v1.DeviceManagerClient;
import com.google.cloud.iot.v1.DeviceManagerSettings;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.Date;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a device manager is and how to authenticate to it: Google's client on the HTTP/JSON
 * transport, against {@code cloudiot.googleapis.com} or a compatible endpoint such as
 * fleet-service.
 */
public record IotCoreConnection(Optional<URI> endpoint, Credentials credentials) {

    public IotCoreConnection {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(credentials, "credentials");
    }

    /** A compatible endpoint that takes a bearer token (fleet-service takes its own JWTs). */
    public static IotCoreConnection bearer(URI endpoint, String token) {
        // the client refreshes nothing for a fixed token; the expiry only has to lie ahead
        Date notRelevant = new Date(System.currentTimeMillis() + Duration.ofDays(1).toMillis());
        return new IotCoreConnection(
                Optional.of(endpoint),
                GoogleCredentials.create(new AccessToken(token, notRelevant)));
    }

    /**
     * Google application default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, metadata).
     */
    public static IotCoreConnection applicationDefault(Optional<URI> endpoint) throws IOException {
        return new IotCoreConnection(
                endpoint,
                GoogleCredentials.getApplicationDefault()
                        .createScoped("https://www.googleapis.com/auth/cloud-platform"));
    }

    /** A new client; the caller closes it. */
    public DeviceManagerClient open() throws IOException {
        DeviceManagerSettings.Builder b =
                DeviceManagerSettings.newHttpJsonBuilder()
                        .setCredentialsProvider(FixedCredentialsProvider.create(credentials));
        // the HTTP/JSON transport takes scheme://host:port as its endpoint
        endpoint.ifPresent(
                e ->
                        b.setEndpoint(
                                e.getScheme()
                                        + "://"
                                        + e.getHost()
                                        + (e.getPort() < 0 ? "" : ":" + e.getPort())));
        return DeviceManagerClient.create(b.build());
    }
}
