package dev.meerkat.firmware.examples;

import dev.meerkat.firmware.app.App;
import dev.meerkat.firmware.app.AppContext;

/** Example application that cannot start: its init throws (a sensor that is not found). */
public final class BrokenSensor implements App {

    @Override
    public void init(AppContext ctx) {
        throw new IllegalStateException(
                "sensor not found on I2C bus 0 at 0x"
                        + Integer.toHexString(ctx.config().getInt("app.i2c_addr")));
    }
}
