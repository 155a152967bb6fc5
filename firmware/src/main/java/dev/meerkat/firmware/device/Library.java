package dev.meerkat.firmware;

/**
 * A part of the firmware that initialises during the init sequence, after the network and before
 * the application, in ascending {@link #order()} (as Mongoose OS libraries do). An exception fails
 * init and reboots the device.
 */
public interface Library {

    String name();

    int order();

    void init(Firmware fw) throws Exception;
}
