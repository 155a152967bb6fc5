package dev.meerkat.fleet.gcp.bridge;

import dev.meerkat.fleet.gcp.DeviceName;
import io.moquette.broker.security.IAuthorizatorPolicy;
import io.moquette.broker.subscriptions.Topic;

/**
 * A device uses only its own topics, each only in its direction ({@link DeviceTopic}); the client
 * id, checked at connection, names the device.
 */
final class BridgeAuthorizer implements IAuthorizatorPolicy {
    @Override
    public boolean canWrite(Topic topic, String user, String clientId) {
        return allowed(topic, clientId, DeviceTopic.Access.PUBLISH);
    }

    @Override
    public boolean canRead(Topic topic, String user, String clientId) {
        return allowed(topic, clientId, DeviceTopic.Access.SUBSCRIBE);
    }

    private static boolean allowed(Topic topic, String clientId, DeviceTopic.Access access) {
        return DeviceName.parse(clientId)
                .map(n -> DeviceTopic.allowed(n.device(), topic.toString(), access))
                .orElse(false);
    }
}
