package dev.meerkat.cli.device;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;

/** Carries whole mg_rpc frames to a device and its answers back (WebSocket, MQTT). */
interface FrameChannel extends AutoCloseable {

    /**
     * Sends a request frame and waits for the response frame with its id.
     *
     * @throws dev.meerkat.cli.CliException with exit code 3 when no answer came
     */
    ObjectNode exchange(ObjectNode request, Duration timeout);

    /** The {@code src} a request carries (the MQTT source; empty for WebSocket). */
    String source();

    String describe();

    @Override
    void close();
}
