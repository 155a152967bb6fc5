package dev.meerkat.cli.device;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.cli.io.CliException;
import dev.meerkat.firmware.json.Json;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code meerkat console}: what the device says, as it says it. An emulated device has no UART;
 * what it tells the world it publishes on {@code <device-id>/<subtopic>} (OTA progress and outcomes
 * on {@code ota}, the application's telemetry and events), so the console follows those topics
 * through the broker, one line per message. HTTP and WebSocket ports only answer calls, so the
 * console needs an MQTT port. The device's own log lines stay on the console of {@code meerkat
 * device run}.
 */
@Command(
        name = "console",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Stream what a device publishes (<device-id>/<subtopic> on its MQTT broker): OTA "
                        + "progress and outcomes, telemetry, application events. Needs an MQTT port (forms below). "
                        + "Stop with Ctrl-C or --for.",
        footer = {
            DeviceOptions.PORTS,
            "%nExit codes: 0 ok, 2 usage error (e.g. an HTTP port), 3 broker unreachable",
            "or lost."
        })
public final class ConsoleCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Mixin DeviceOptions device;

    @Option(names = "--for", paramLabel = "SECONDS", description = "Stop after this many seconds.")
    Long seconds;

    @Option(
            names = "--json-lines",
            description = "One JSON object per message and line: {\"topic\", \"payload\"}.")
    boolean json;

    @Override
    public Integer call() throws InterruptedException {
        DevicePort port = device.port();
        if (!port.mqtt()) {
            throw CliException.usage(
                    "console follows what the device publishes over MQTT; give --port "
                            + "mqtt://BROKER:PORT/DEVICE-ID (an HTTP or WebSocket port only answers calls)");
        }
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch lost = new CountDownLatch(1);
        MqttClient client = MqttChannel.connect(port, device.tls(port), device.timeout());
        try {
            String prefix = port.deviceId() + "/";
            client.setCallback(
                    new org.eclipse.paho.client.mqttv3.MqttCallback() {
                        @Override
                        public void connectionLost(Throwable cause) {
                            lost.countDown();
                        }

                        @Override
                        public void messageArrived(
                                String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {}

                        @Override
                        public void deliveryComplete(
                                org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {}
                    });
            client.subscribe(
                    prefix + "#",
                    0,
                    (topic, m) -> {
                        String sub = topic.substring(Math.min(prefix.length(), topic.length()));
                        if (sub.equals("rpc")) {
                            return; // requests to the device, not what it says
                        }
                        String line;
                        if (json) {
                            ObjectNode o = Json.object().put("topic", topic);
                            try {
                                o.set("payload", Json.parse(m.getPayload()));
                            } catch (IllegalArgumentException e) {
                                o.put(
                                        "payload",
                                        new String(m.getPayload(), StandardCharsets.UTF_8));
                            }
                            line = Json.write(o);
                        } else {
                            line = sub + " " + oneLine(m.getPayload());
                        }
                        synchronized (out) {
                            out.println(line);
                            out.flush();
                        }
                    });
            spec.commandLine()
                    .getErr()
                    .println(
                            "console: following "
                                    + prefix
                                    + "# on "
                                    + port.uri()
                                    + (seconds == null
                                            ? " (Ctrl-C stops)"
                                            : " for " + seconds + " s"));
            spec.commandLine().getErr().flush();
            boolean gone = seconds == null ? await(lost) : lost.await(seconds, TimeUnit.SECONDS);
            if (gone) {
                throw new CliException(
                        dev.meerkat.cli.io.ExitCode.IO, "lost the broker " + port.uri());
            }
            return 0;
        } catch (MqttException e) {
            throw new CliException(
                    dev.meerkat.cli.io.ExitCode.IO,
                    "broker " + port.uri() + " refused the subscription: " + e.getMessage(),
                    e);
        } finally {
            MqttChannel.close(client);
        }
    }

    private static boolean await(CountDownLatch l) throws InterruptedException {
        l.await();
        return true;
    }

    private static String oneLine(byte[] payload) {
        try {
            JsonNode n = Json.parse(payload);
            return Json.write(n);
        } catch (IllegalArgumentException e) {
            return new String(payload, StandardCharsets.UTF_8).replace('\n', ' ');
        }
    }
}
