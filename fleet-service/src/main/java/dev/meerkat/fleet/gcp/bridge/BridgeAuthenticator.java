package dev.meerkat.fleet.gcp.bridge;

import dev.meerkat.fleet.gcp.DeviceName;
import dev.meerkat.fleet.gcp.IotCoreService;
import dev.meerkat.fleet.gcp.IotDevice;
import io.moquette.broker.security.IAuthenticator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Admits a device by Cloud IoT Core's rules: the client id is the device's full resource name, the
 * password a JWT signed by one of its registered keys (the user name is ignored). The device must
 * exist, not be blocked, be in a registry with MQTT enabled, and have an id no other registry uses
 * (the topics name the id alone). Fails closed: any error is a refusal.
 */
final class BridgeAuthenticator implements IAuthenticator {
    private static final Logger LOG = Logger.getLogger(BridgeAuthenticator.class);

    private final IotCoreService iot;
    private final ConnectionDeadlines deadlines;

    BridgeAuthenticator(IotCoreService iot, ConnectionDeadlines deadlines) {
        this.iot = iot;
        this.deadlines = deadlines;
    }

    @Override
    public boolean checkValid(String clientId, String username, byte[] password) {
        Optional<DeviceName> name = DeviceName.parse(clientId);
        if (name.isEmpty())
            return refuse(
                    "(malformed client id)",
                    "the client id must be projects/{p}/locations/{l}/registries/{r}/devices/{d}");
        try {
            if (password == null || password.length == 0)
                return refuse(clientId, "no JWT as password");
            Optional<IotDevice> device = iot.findDevice(name.get());
            if (device.isEmpty()) return refuse(clientId, "no such device");
            if (device.get().blocked()) return refuse(clientId, "the device is blocked");
            if (!iot.registry(name.get().registry()).mqttEnabled())
                return refuse(clientId, "MQTT is disabled for the registry");
            if (!iot.deviceIdUnique(name.get().device()))
                return refuse(clientId, "another registry has a device with the same id");
            String jwt = new String(password, StandardCharsets.US_ASCII);
            Instant now = Instant.now();
            Instant deadline =
                    DeviceJwtVerifier.verify(
                            jwt,
                            name.get().registry().project(),
                            device.get().usableCredentials(now),
                            now);
            deadlines.admit(clientId, jwt, deadline);
            LOG.infof("IoT Core device %s connected; JWT valid until %s", clientId, deadline);
            return true;
        } catch (DeviceJwtVerifier.Refused e) {
            return refuse(clientId, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf("IoT Core device %s refused: %s", clientId, e.toString());
            return false;
        }
    }

    private static boolean refuse(String clientId, String reason) {
        LOG.infof("IoT Core device %s refused: %s", clientId, reason);
        return false;
    }
}
