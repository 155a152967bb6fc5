package dev.meerkat.firmware.app;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.firmware.config.Config;
import dev.meerkat.firmware.fs.FileStore;
import dev.meerkat.firmware.rpc.RpcHandler;
import java.time.Duration;

/** What the runtime offers an application. Every call must be made from the device's main loop. */
public interface AppContext {

    /** The device identity ({@code device.id}). */
    String deviceId();

    /** Version of the running application bundle. */
    String appVersion();

    /** The device configuration (the application's own keys live under {@code app}). */
    Config config();

    /** The device file store. */
    FileStore files();

    /** Registers an RPC method (e.g. {@code Sensor.Read}) reachable on every RPC channel. */
    void addRpcHandler(String method, RpcHandler handler);

    /** Publishes {@code payload} on {@code <device.id>/<subtopic>}; queued while offline. */
    void publish(String subtopic, JsonNode payload);

    /** Runs {@code task} every {@code period} of device time, starting one period from now. */
    void every(Duration period, Runnable task);

    /** Runs {@code hook} once the whole init sequence has succeeded. */
    void onInitDone(Runnable hook);

    /** Device time since boot. */
    Duration uptime();

    /** Writes a line to the device log. */
    void log(String message);
}
