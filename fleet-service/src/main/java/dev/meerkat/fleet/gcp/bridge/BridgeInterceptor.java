package dev.meerkat.fleet.gcp.bridge;

import dev.meerkat.fleet.gcp.DeviceName;
import dev.meerkat.fleet.gcp.IotCoreService;
import io.moquette.interception.AbstractInterceptHandler;
import io.moquette.interception.messages.InterceptConnectMessage;
import io.moquette.interception.messages.InterceptPublishMessage;
import io.moquette.interception.messages.InterceptSubscribeMessage;
import io.netty.buffer.ByteBuf;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * What devices do on the bridge, recorded in the device manager: a state report is stored as a
 * state, an event moves the last-event time, a subscription to the config topic is answered with
 * the latest config (so a device always receives it on subscribe, even the empty version 1).
 */
final class BridgeInterceptor extends AbstractInterceptHandler {
    private static final Logger LOG = Logger.getLogger(BridgeInterceptor.class);

    private final IotCoreService iot;
    private final MqttBridge bridge;

    BridgeInterceptor(IotCoreService iot, MqttBridge bridge) {
        this.iot = iot;
        this.bridge = bridge;
    }

    @Override
    public String getID() {
        return "iot-core-bridge";
    }

    @Override
    public void onConnect(InterceptConnectMessage msg) {
        DeviceName.parse(msg.getClientID())
                .ifPresent(n -> guarded(n, () -> iot.recordActivity(n, false, false)));
    }

    @Override
    public void onPublish(InterceptPublishMessage msg) {
        Optional<DeviceName> name = DeviceName.parse(msg.getClientID());
        Optional<DeviceTopic> topic = DeviceTopic.parse(msg.getTopicName());
        if (name.isEmpty() || topic.isEmpty()) return;
        if (!topic.get().deviceId().equals(name.get().device())) return;
        ByteBuf payload = msg.getPayload();
        byte[] data = new byte[payload.readableBytes()];
        payload.getBytes(payload.readerIndex(), data);
        switch (topic.get().kind()) {
            case STATE -> guarded(name.get(), () -> iot.recordState(name.get(), data));
            case EVENTS -> guarded(name.get(), () -> iot.recordActivity(name.get(), true, false));
            default -> {}
        }
    }

    @Override
    public void onSubscribe(InterceptSubscribeMessage msg) {
        Optional<DeviceName> name = DeviceName.parse(msg.getClientID());
        Optional<DeviceTopic> topic = DeviceTopic.parse(msg.getTopicFilter());
        if (name.isEmpty() || topic.isEmpty()) return;
        if (topic.get().kind() == DeviceTopic.Kind.CONFIG
                && topic.get().deviceId().equals(name.get().device())) {
            guarded(name.get(), () -> bridge.pushConfig(name.get(), iot.currentConfig(name.get())));
        }
    }

    @Override
    public void onSessionLoopError(Throwable error) {
        LOG.warnf("IoT Core bridge session loop: %s", error.toString());
    }

    private static void guarded(DeviceName name, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warnf("IoT Core bridge, device %s: %s", name, e.toString());
        }
    }
}
