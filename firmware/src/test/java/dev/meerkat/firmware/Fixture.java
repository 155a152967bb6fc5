package dev.meerkat.firmware;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.examples.ExampleApps;
import dev.meerkat.firmware.json.Json;
import dev.meerkat.firmware.rpc.RpcCredentials;
import dev.meerkat.hal.ProvisionedKey;
import dev.meerkat.hal.RootOfTrust;
import dev.meerkat.image.KeyType;
import dev.meerkat.image.SigningKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keys, example images and boards shared by the tests. */
final class Fixture {

    static final SigningKey KEY = SigningKey.generate(KeyType.ED25519);
    static final SigningKey ROGUE = SigningKey.generate(KeyType.ED25519);
    static final Duration WAIT = Duration.ofSeconds(60);

    /** The RPC admin password every test board is given at manufacturing. */
    static final String PASSWORD = "test-admin-password";

    private static final Map<String, byte[]> IMAGES = new ConcurrentHashMap<>();

    private Fixture() {}

    static RootOfTrust rot() {
        return RootOfTrust.of(
                ProvisionedKey.publicKey(KEY.verificationKey().publicKey().getEncoded()));
    }

    /**
     * Example image signed with the provisioned key, padded to 40 KiB so downloads take several
     * steps.
     */
    static byte[] image(String name) {
        return IMAGES.computeIfAbsent(name, n -> ExampleApps.image(n, KEY, null, 40 * 1024));
    }

    /** Records the events a board publishes. */
    static final class Events implements BoardListener {
        final List<String> log = new CopyOnWriteArrayList<>();
        final List<JsonNode> ota = new CopyOnWriteArrayList<>();
        volatile Runnable onInstalled;

        @Override
        public void log(String deviceId, String line) {
            log.add(line);
        }

        @Override
        public void event(String deviceId, String subtopic, JsonNode payload) {
            if (subtopic.equals("ota")) {
                ota.add(payload);
                Runnable r = onInstalled;
                if (r != null && payload.path("state").asText().equals("installed")) {
                    onInstalled = null;
                    r.run();
                }
            }
        }

        boolean has(String state) {
            return ota.stream().anyMatch(e -> e.path("state").asText().equals(state));
        }

        JsonNode last(String state) {
            JsonNode found = null;
            for (JsonNode e : ota) {
                if (e.path("state").asText().equals(state)) {
                    found = e;
                }
            }
            return found;
        }
    }

    static Board.Builder board(String id, Events events) {
        ObjectNode conf = Json.object();
        conf.putObject("ota").put("chunk", 4096).put("checkpoint", 8192);
        return Board.builder(id)
                .rootOfTrust(rot())
                .factoryImage(image("v1"))
                .factoryConfig(conf)
                .factoryFile(
                        "rpc_auth.txt",
                        RpcCredentials.htdigestLine(
                                RpcCredentials.ADMIN, "meerkat", PASSWORD.toCharArray()))
                .listener(events)
                .tickMillis(5);
    }

    static ObjectNode args(String json) {
        return (ObjectNode) Json.parse(json);
    }
}
