package dev.meerkat.firmware.ota;

/** Receives the events of updates (on the device's main loop). */
@FunctionalInterface
public interface OtaListener {

    void event(OtaEvent event);
}
