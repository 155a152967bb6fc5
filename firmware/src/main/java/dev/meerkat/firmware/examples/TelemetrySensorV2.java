package dev.meerkat.firmware.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.app.App;
import dev.meerkat.firmware.app.AppContext;
import dev.meerkat.firmware.json.Json;
import java.time.Duration;

/**
 * Example application, version 2: adds humidity and a configurable unit ({@code app.unit}, a key
 * version 1 does not have).
 */
public final class TelemetrySensorV2 implements App {

    private long readings;

    @Override
    public void init(AppContext ctx) {
        long interval = ctx.config().getLong("app.interval_ms");
        String unit = ctx.config().getString("app.unit");
        if (!unit.equals("C") && !unit.equals("F")) {
            throw new IllegalStateException("app.unit must be C or F, is " + unit);
        }
        ctx.every(
                Duration.ofMillis(interval),
                () -> {
                    ObjectNode t = Json.object();
                    t.put("seq", ++readings);
                    double c = 21.5 + (readings % 7) * 0.1;
                    t.put("temp", unit.equals("F") ? c * 9 / 5 + 32 : c);
                    t.put("unit", unit);
                    t.put("humidity", 40 + readings % 5);
                    ctx.publish("telemetry", t);
                });
        ctx.addRpcHandler(
                "Sensor.Read",
                args -> {
                    ObjectNode r = Json.object();
                    r.put("temp", 21.5);
                    r.put("humidity", 41);
                    r.put("unit", unit);
                    r.put("readings", readings);
                    r.put("version", 2);
                    return r;
                });
        ctx.log("telemetry v2 every " + interval + " ms in " + unit);
    }
}
