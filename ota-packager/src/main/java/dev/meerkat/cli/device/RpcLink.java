package dev.meerkat.cli.device;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A connection to one device's RPC: over HTTP(S) with Digest headers ({@link HttpRpcLink}), or
 * whole mg_rpc frames over WebSocket or MQTT ({@link FrameRpcLink}).
 */
public interface RpcLink extends AutoCloseable {

    /**
     * Calls {@code method}; returns its result (null for none).
     *
     * @throws DeviceError when the device answered an error frame
     * @throws dev.meerkat.cli.CliException with exit code 3 when the device cannot be reached
     */
    JsonNode call(String method, JsonNode args);

    /** Where the link goes, for messages. */
    String describe();

    @Override
    void close();
}
