package dev.meerkat.firmware.device;

/**
 * A part of the firmware that initialises during the init sequence, after the network and before
 * the application, in ascending {@link #order()} (as Mongoose OS libraries do). An exception fails
 * init and reboots the device.
 */
public interface Library {

    String name();

    int order();

    void init(DeviceContext device) throws Exception;

    /** Releases what the library holds (connections) when the run ends; any thread. */
    default void stop() {}
}
