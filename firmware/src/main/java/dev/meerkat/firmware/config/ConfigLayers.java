package dev.meerkat.firmware.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.fs.FileStore;
import dev.meerkat.firmware.json.Json;
import java.util.Optional;

/**
 * The stored configuration levels ({@code conf1.json} … {@code conf9.json}) as a whole, with the
 * last set that brought the device up: after every boot whose init completed, the levels are
 * recorded in {@value #GOOD}; when the network cannot start with the current levels, {@link
 * #fallBack()} puts the recorded ones back (and keeps the refused ones in {@value #REJECTED} for
 * diagnosis), so a configuration mistake costs one retry instead of counting toward the crash loop
 * that halts the device. Only firmware that cannot start even with its last good configuration
 * faults.
 *
 * <p>Every file is written atomically by the file store; the good set is written before anything is
 * restored from it, so a power cut at any point leaves either the old or the restored levels.
 */
public final class ConfigLayers {

    /** The levels of the last boot whose init completed. */
    public static final String GOOD = "conf.good.json";

    /** The levels that were replaced by {@link #fallBack()}. */
    public static final String REJECTED = "conf.rejected.json";

    private final FileStore store;

    public ConfigLayers(FileStore store) {
        this.store = store;
    }

    /** Records the current levels as good (writes only when they changed). */
    public void recordGood() {
        byte[] now = Json.bytes(snapshot());
        Optional<byte[]> have = store.read(GOOD);
        if (have.isEmpty() || !java.util.Arrays.equals(have.get(), now)) {
            store.write(GOOD, now);
        }
    }

    /**
     * Puts the last good levels back.
     *
     * @return a description of what was done, or empty when there is nothing to fall back to (the
     *     levels are already the good ones, or no good set was recorded and there are no user
     *     changes to set aside)
     */
    public Optional<String> fallBack() {
        ObjectNode current = snapshot();
        Optional<ObjectNode> good =
                store.read(GOOD)
                        .map(ConfigLayers::parseOrNull)
                        .filter(ObjectNode.class::isInstance)
                        .map(ObjectNode.class::cast);
        if (good.isEmpty()) {
            // never booted with these files: only the user level (changes made after the factory)
            // can go
            String user = Config.fileName(Config.USER_LEVEL);
            if (store.read(user).isEmpty()) {
                return Optional.empty();
            }
            store.write(REJECTED, Json.bytes(current));
            store.delete(user);
            return Optional.of("set " + user + " aside (no configuration has booted yet)");
        }
        if (good.get().equals(current)) {
            return Optional.empty();
        }
        store.write(REJECTED, Json.bytes(current));
        StringBuilder changed = new StringBuilder();
        for (int i = 1; i <= Config.USER_LEVEL; i++) {
            String name = Config.fileName(i);
            JsonNode want = good.get().get(name);
            if (want == null || want.isNull()) {
                if (store.delete(name)) {
                    changed.append(changed.isEmpty() ? "" : ", ").append(name);
                }
            } else if (!want.equals(current.get(name))) {
                store.write(name, Json.bytes(want));
                changed.append(changed.isEmpty() ? "" : ", ").append(name);
            }
        }
        return Optional.of("restored " + changed + " from the last good configuration");
    }

    /**
     * The stored levels as {@code {"conf1.json": {...} | null, …}}; unreadable files count as
     * absent.
     */
    private ObjectNode snapshot() {
        ObjectNode s = Json.object();
        for (int i = 1; i <= Config.USER_LEVEL; i++) {
            String name = Config.fileName(i);
            JsonNode level = store.read(name).map(ConfigLayers::parseOrNull).orElse(null);
            if (level == null) {
                s.putNull(name);
            } else {
                s.set(name, level);
            }
        }
        return s;
    }

    private static JsonNode parseOrNull(byte[] b) {
        try {
            JsonNode n = Json.parse(b);
            return n instanceof ObjectNode ? n : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
