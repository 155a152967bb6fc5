package dev.meerkat.firmware.rpc;

/** What a channel knows about the caller of one request, before the device checks it. */
public sealed interface RpcCredential {

    /** Nothing: the frame's own {@code auth} object is the only evidence. */
    record None() implements RpcCredential {}

    /** An HTTP request's {@code Authorization} header (null when absent), checked per request. */
    record HttpDigest(String httpMethod, String requestUri, String authorization)
            implements RpcCredential {}

    /**
     * An identity the channel already established (a WebSocket's upgrade, a TLS client
     * certificate).
     */
    record Established(String user, String how) implements RpcCredential {}

    /** A message from the MQTT control topic (the frame's {@code src} selects the user). */
    record MqttTopic(String topic) implements RpcCredential {}
}
