package dev.meerkat.fleetsim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.Board;
import dev.meerkat.firmware.DeviceProfile;
import dev.meerkat.firmware.crypto.ChipSecureElement;
import dev.meerkat.firmware.crypto.DeviceChip;
import dev.meerkat.firmware.crypto.SecureElement;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.SigningKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Emulated boards on a broker, waiting to be told what to do by a fleet service: each runs the
 * factory image, trusts the release key, connects to the broker as its own id and accepts mg_rpc
 * calls from {@code fleet/<id>} (the topic a fleet service speaks to that one device from), so an
 * unchanged device is driven by whoever sends {@code OTA.Update} to {@code <id>/rpc}.
 */
public final class EmulatedFleet implements AutoCloseable {
    private final List<Board> boards;

    private EmulatedFleet(List<Board> boards) {
        this.boards = boards;
    }

    /**
     * A board's identity at a broker that requires client certificates: its key and certificate (in
     * a secure element) and the CA that issued the broker's certificate, as PEM.
     */
    public record BrokerIdentity(SecureElement element, String caPem) {}

    /**
     * Boots {@code ids.size()} boards and waits until every one is up and connected.
     *
     * @param chips give every board its own emulated ATECC608 (keys generated in the chip)
     * @param largestImage the largest image the boards will be sent (sizes their slots)
     * @param progress a line every 2 s while boards are still coming up
     * @param identities each board's identity at a broker with mutual TLS (null: none); not with
     *     {@code chips}
     */
    public static EmulatedFleet boot(
            List<String> ids,
            String brokerUri,
            SigningKey releaseKey,
            byte[] factoryImage,
            long largestImage,
            boolean chips,
            Duration timeout,
            Consumer<String> progress,
            Function<String, BrokerIdentity> identities)
            throws InterruptedException {
        if (chips && identities != null)
            throw new IllegalArgumentException(
                    "give the boards chips or broker identities, not both");
        RootOfTrust rot =
                RootOfTrust.of(
                        ProvisionedKey.publicKey(
                                releaseKey.verificationKey().publicKey().getEncoded()));
        DeviceProfile profile =
                DeviceProfile.forImages(Math.max(largestImage, factoryImage.length) + 64 * 1024L);
        List<Board> boards = new ArrayList<>();
        EmulatedFleet fleet = new EmulatedFleet(boards);
        try {
            for (int i = 0; i < ids.size(); i++) {
                String id = ids.get(i);
                BrokerIdentity identity = identities == null ? null : identities.apply(id);
                ObjectNode conf = Json.object();
                ObjectNode mqtt = conf.putObject("mqtt");
                if (identity != null) mqtt.put("ssl_ca_cert", "mqtt-ca.pem");
                mqtt.put("enable", true)
                        .put("server", brokerUri)
                        .put("reconnect_timeout_min", 250)
                        .put("reconnect_timeout_max", 5000)
                        .put("queue_max", 16);
                conf.putObject("app").put("interval_ms", 60_000);
                conf.putObject("rpc").put("mqtt_sources", "fleet/" + id + "=admin");
                Board.Builder b =
                        Board.builder(id)
                                .profile(profile)
                                .rootOfTrust(rot)
                                .factoryImage(factoryImage)
                                .factoryConfig(conf)
                                .seed(i)
                                .tickMillis(20);
                if (chips) b.secureElement(new ChipSecureElement(DeviceChip.emulated(), List.of()));
                if (identity != null) {
                    b.secureElement(identity.element())
                            .factoryFile("mqtt-ca.pem", identity.caPem());
                }
                Board board = b.build();
                boards.add(board);
                board.start();
            }
            long t0 = System.nanoTime();
            long deadline = t0 + timeout.toNanos();
            long nextLine = t0 + 2_000_000_000L;
            while (true) {
                long up = boards.stream().filter(EmulatedFleet::connected).count();
                if (up == boards.size()) return fleet;
                long now = System.nanoTime();
                if (now > deadline) {
                    throw new IllegalStateException(
                            (boards.size() - up)
                                    + " of "
                                    + boards.size()
                                    + " devices did not come up");
                }
                if (now >= nextLine) {
                    progress.accept(
                            String.format(
                                    "%d/%d devices up (%.0f s)",
                                    up, boards.size(), (now - t0) / 1e9));
                    nextLine = now + 2_000_000_000L;
                }
                Thread.sleep(50);
            }
        } catch (RuntimeException | InterruptedException | Error e) {
            fleet.close();
            throw e;
        }
    }

    private static boolean connected(Board b) {
        return b.isUp() && b.onDevice(fw -> fw.mqtt().map(m -> m.isConnected()).orElse(false));
    }

    /** The boards, in the order of their ids. */
    public List<Board> boards() {
        return List.copyOf(boards);
    }

    /** Device id → the version it runs now. */
    public Map<String, String> runningVersions() {
        Map<String, String> m = new TreeMap<>();
        for (Board b : boards) m.put(b.id(), b.runningVersion());
        return m;
    }

    /**
     * The last OTA outcome each device recorded ({@code OTA.Status} "result": {@code version},
     * {@code state}, {@code reason}…), or a missing node.
     */
    public static JsonNode lastResult(Board b) {
        try {
            return b.rpc("OTA.Status", null).path("result");
        } catch (Exception e) {
            return MissingNode.getInstance();
        }
    }

    @Override
    public void close() {
        boards.parallelStream().forEach(Board::close);
    }
}
