package dev.meerkat.cloud.aws.broker;

/** A message the engine wants published, QoS 1, not retained. */
public record OutgoingMessage(String topic, byte[] payload) {

    public OutgoingMessage {
        payload = payload.clone();
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }

    public String payloadText() {
        return new String(payload, java.nio.charset.StandardCharsets.UTF_8);
    }
}
