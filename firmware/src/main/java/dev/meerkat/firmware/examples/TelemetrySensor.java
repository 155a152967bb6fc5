package dev.meerkat.firmware.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.app.App;
import dev.meerkat.firmware.app.AppContext;
import dev.meerkat.firmware.json.Json;
import java.time.Duration;

/**
 * Example application, version 1: publishes a temperature reading on {@code <device>/telemetry}.
 */
public final class TelemetrySensor implements App {

    private long readings;

    @Override
    public void init(AppContext ctx) {
        long interval = ctx.config().getLong("app.interval_ms");
        ctx.every(
                Duration.ofMillis(interval),
                () -> {
                    ObjectNode t = Json.object();
                    t.put("seq", ++readings);
                    t.put("temp", 21.5 + (readings % 7) * 0.1);
                    ctx.publish("telemetry", t);
                });
        ctx.addRpcHandler(
                "Sensor.Read",
                args -> {
                    ObjectNode r = Json.object();
                    r.put("temp", 21.5);
                    r.put("readings", readings);
                    r.put("version", 1);
                    return r;
                });
        ctx.log("telemetry v1 every " + interval + " ms");
    }
}
