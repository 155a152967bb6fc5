package dev.meerkat.firmware.device;

import com.fasterxml.jackson.databind.JsonNode;
import dev.meerkat.boot.BootControl;
import dev.meerkat.boot.BootResult;
import dev.meerkat.boot.FlashLayout;
import dev.meerkat.firmware.app.AppBundle;
import dev.meerkat.firmware.config.Config;
import dev.meerkat.firmware.crypto.SecureElement;
import dev.meerkat.firmware.fs.FileStore;
import dev.meerkat.firmware.mqtt.MqttLink;
import dev.meerkat.firmware.rpc.RpcDispatcher;
import dev.meerkat.hal.ResetCause;
import java.time.Duration;
import java.util.Optional;

/**
 * What the runtime offers a {@link Library} during one boot: identity, storage, the boot state, the
 * channels and the main loop. Libraries see this instead of the runtime itself, so they never reach
 * into each other or into the board. Every call except {@link #post(Runnable)} must be made from
 * the device's main loop.
 */
public interface DeviceContext {

    /** The device identity ({@code device.id}). */
    String deviceId();

    Config config();

    FileStore files();

    SecureElement secureElement();

    /** The application bundle that booted. */
    AppBundle bundle();

    /** What the bootloader started: slot, mode and the verified image. */
    BootResult.Jump jump();

    /** Whether this is the single trial boot of a new image. */
    boolean testBoot();

    /** The application side of the bootloader: update sessions, commit, revert, boot state. */
    BootControl control();

    FlashLayout layout();

    /** Why the device last reset. */
    ResetCause resetCause();

    /** The device's security counter (the lowest counter an image may carry). */
    long securityCounter();

    /** Registers RPC methods; the same dispatcher serves every channel. */
    RpcDispatcher rpc();

    Optional<MqttLink> mqtt();

    /** HTTP(S) downloads and TLS contexts through the board's network interface. */
    Network network();

    /** Publishes on {@code <device.id>/<subtopic>} (queued while offline). */
    void publish(String subtopic, JsonNode payload);

    void log(String line);

    /** Device time since this boot. */
    Duration uptime();

    /** Healthy: the application says so and, when MQTT is configured, it is connected. */
    boolean healthy();

    /** Runs {@code task} on the main loop (callable from any thread). */
    void post(Runnable task);

    /** Runs {@code task} after {@code delayMillis} of device time. */
    void schedule(long delayMillis, Runnable task);

    /** Runs {@code hook} once the whole init sequence has succeeded. */
    void onInitDone(Runnable hook);

    /** Reboots (software reset) after {@code delayMillis} so that replies can leave first. */
    void rebootAfter(long delayMillis, String why);
}
