package dev.meerkat.fleet.gcp;

/**
 * The live connection side of the device manager (the MQTT bridge): where configs and commands go
 * after they are stored. Without a bridge, configs wait for the device and commands are refused.
 */
public interface DeviceLink {
    /** Delivers a command now; false when the device has no open connection. */
    boolean sendCommand(DeviceName device, String subfolder, byte[] data);

    /** A new config version was committed; a connected device should receive it. */
    void configChanged(DeviceName device, DeviceConfig config);

    /** The device's credentials changed or it was blocked or deleted: re-check its connection. */
    void deviceChanged(DeviceName device);
}
