package dev.meerkat.fleet.gcp;

/** Hears each state report a device published, after it was stored. */
public interface StateListener {
    void stateRecorded(DeviceName device, byte[] state);
}
