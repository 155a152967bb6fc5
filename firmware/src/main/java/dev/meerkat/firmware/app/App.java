package dev.meerkat.firmware.app;

/**
 * The entry point of an application bundle. The runtime instantiates the class named by the
 * bundle's manifest (public, no-argument constructor) in the bundle's own class loader and calls
 * {@link #init(AppContext)} as the last step of the init sequence. An exception from init fails
 * init: the device reboots, and a firmware under test is reverted by the bootloader.
 */
public interface App {

    /** Sets the application up; runs on the device's main loop. */
    void init(AppContext ctx) throws Exception;

    /**
     * Whether the application considers itself working; consulted before an update under test is
     * committed automatically.
     */
    default boolean healthy() {
        return true;
    }

    /** Called when the device stops (reboot, power-off); best effort. */
    default void stop() {}
}
