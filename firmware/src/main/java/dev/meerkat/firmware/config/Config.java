package dev.meerkat.firmware.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.meerkat.firmware.fs.FileStore;
import dev.meerkat.firmware.json.Json;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Layered device configuration, as Mongoose OS keeps it: level 0 is the defaults (the runtime's
 * system defaults merged with the application's {@code conf0.json} from the booted image), levels
 * 1–8 are files written at manufacturing or by provisioning ({@code conf1.json} …), level 9 ({@code
 * conf9.json}) holds the user's changes. Later levels override earlier ones key by key.
 *
 * <p>The defaults are the schema: a key exists only if level 0 has it, and its type (boolean,
 * integer, number, string, object) is the type of its default. {@link #set} refuses anything else;
 * keys in stored levels that the running firmware does not know (written by another version) are
 * ignored. Values outside the ranges of {@link ConfigLimits} are refused by {@link #set} and
 * ignored (with a warning) when found in a stored level. Keys whose last component names a secret
 * (pass, password, key, secret, token, psk) are never returned by {@link #get(String, boolean)}
 * with redaction, which is what {@code Config.Get} uses. {@link #save()} writes level 9 through the
 * file store, whose writes are atomic.
 */
public final class Config {

    /** Level written by {@link #save()}. */
    public static final int USER_LEVEL = 9;

    private static final Pattern SECRET =
            Pattern.compile("(?i).*(pass|password|key|secret|token|psk)");

    private final ObjectNode defaults;
    private final FileStore store;
    private final ObjectNode[] levels = new ObjectNode[10];
    private final List<String> warnings = new ArrayList<>();
    private ObjectNode effective;
    private boolean dirty;

    /** Loads levels 1–9 from {@code store} over {@code defaults}. */
    public Config(ObjectNode defaults, FileStore store) {
        this.defaults = defaults.deepCopy();
        this.store = store;
        levels[0] = this.defaults;
        for (int i = 1; i < levels.length; i++) {
            levels[i] = Json.object();
            Optional<byte[]> stored = store.read(fileName(i));
            if (stored.isPresent()) {
                try {
                    JsonNode n = Json.parse(stored.get());
                    if (n instanceof ObjectNode o) {
                        levels[i] = o;
                    } else {
                        warnings.add(fileName(i) + " is not a JSON object; ignored");
                    }
                } catch (IllegalArgumentException e) {
                    warnings.add(fileName(i) + ": " + e.getMessage() + "; ignored");
                }
            }
        }
        recompute();
    }

    /** Name of the file of {@code level}. */
    public static String fileName(int level) {
        return "conf" + level + ".json";
    }

    /** Problems met while loading (unreadable levels, unknown keys), for the boot log. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    private void recompute() {
        ObjectNode e = defaults.deepCopy();
        for (int i = 1; i < levels.length; i++) {
            merge(e, levels[i], "", i);
        }
        effective = e;
    }

    private void merge(ObjectNode into, ObjectNode from, String prefix, int level) {
        Iterator<Map.Entry<String, JsonNode>> it = from.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            String path = prefix + f.getKey();
            JsonNode schema = into.get(f.getKey());
            if (schema == null) {
                warnings.add(fileName(level) + ": unknown key " + path + " ignored");
                continue;
            }
            if (schema.isObject()) {
                if (f.getValue().isObject()) {
                    merge((ObjectNode) schema, (ObjectNode) f.getValue(), path + ".", level);
                } else {
                    warnings.add(fileName(level) + ": " + path + " must be an object; ignored");
                }
            } else if (sameType(schema, f.getValue())) {
                Optional<String> refused = ConfigLimits.refuse(path, schema, f.getValue());
                if (refused.isPresent()) {
                    warnings.add(fileName(level) + ": " + path + " " + refused.get() + "; ignored");
                } else {
                    into.set(f.getKey(), f.getValue().deepCopy());
                }
            } else {
                warnings.add(
                        fileName(level)
                                + ": "
                                + path
                                + " must be "
                                + typeName(schema)
                                + "; ignored");
            }
        }
    }

    private static boolean sameType(JsonNode schema, JsonNode v) {
        if (schema.isBoolean()) {
            return v.isBoolean();
        }
        if (schema.isIntegralNumber()) {
            return v.isIntegralNumber();
        }
        if (schema.isNumber()) {
            return v.isNumber();
        }
        if (schema.isTextual()) {
            return v.isTextual();
        }
        return schema.getNodeType() == v.getNodeType();
    }

    private static String typeName(JsonNode schema) {
        if (schema.isIntegralNumber()) {
            return "an integer";
        }
        JsonNodeType t = schema.getNodeType();
        return switch (t) {
            case BOOLEAN -> "a boolean";
            case NUMBER -> "a number";
            case STRING -> "a string";
            case OBJECT -> "an object";
            default -> t.name().toLowerCase();
        };
    }

    /** Whether {@code path} names a secret. */
    public static boolean isSecret(String path) {
        String last = path.substring(path.lastIndexOf('.') + 1);
        return SECRET.matcher(last).matches();
    }

    /**
     * The value at {@code path} ("" for everything).
     *
     * @param redact drop secrets (what {@code Config.Get} returns)
     * @throws ConfigException when the key does not exist, or is a secret and {@code redact}
     */
    public JsonNode get(String path, boolean redact) {
        JsonNode n = node(path);
        if (redact && !path.isEmpty() && isSecret(path)) {
            throw new ConfigException(path + " is a secret and is not readable");
        }
        n = n.deepCopy();
        if (redact && n instanceof ObjectNode o) {
            redact(o);
        }
        return n;
    }

    private static void redact(ObjectNode o) {
        List<String> drop = new ArrayList<>();
        o.fields()
                .forEachRemaining(
                        f -> {
                            if (f.getValue() instanceof ObjectNode c) {
                                redact(c);
                            } else if (isSecret(f.getKey())) {
                                drop.add(f.getKey());
                            }
                        });
        o.remove(drop);
    }

    private JsonNode node(String path) {
        JsonNode n = effective;
        if (path.isEmpty()) {
            return n;
        }
        for (String part : path.split("\\.")) {
            n = n.get(part);
            if (n == null) {
                throw new ConfigException("no config key " + path);
            }
        }
        return n;
    }

    public String getString(String path) {
        return node(path).asText();
    }

    public long getLong(String path) {
        return node(path).asLong();
    }

    public int getInt(String path) {
        return node(path).asInt();
    }

    public boolean getBool(String path) {
        return node(path).asBoolean();
    }

    /**
     * Applies {@code patch} (a JSON object shaped like the configuration) to {@code level}. All or
     * nothing: any unknown key or wrong type refuses the whole patch.
     */
    public void set(JsonNode patch, int level) {
        if (level < 1 || level > 9) {
            throw new ConfigException("level must be 1..9");
        }
        if (!(patch instanceof ObjectNode p)) {
            throw new ConfigException("config must be a JSON object");
        }
        check(defaults, p, "");
        ObjectNode updated = levels[level].deepCopy();
        deepSet(updated, p);
        levels[level] = updated;
        recompute();
        dirty = true;
    }

    /** Applies {@code patch} to the user level. */
    public void set(JsonNode patch) {
        set(patch, USER_LEVEL);
    }

    private static void check(ObjectNode schema, ObjectNode patch, String prefix) {
        Iterator<Map.Entry<String, JsonNode>> it = patch.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> f = it.next();
            String path = prefix + f.getKey();
            JsonNode s = schema.get(f.getKey());
            if (s == null) {
                throw new ConfigException("no config key " + path);
            }
            if (s.isObject()) {
                if (!(f.getValue() instanceof ObjectNode o)) {
                    throw new ConfigException(path + " must be an object");
                }
                check((ObjectNode) s, o, path + ".");
            } else if (!sameType(s, f.getValue())) {
                throw new ConfigException(path + " must be " + typeName(s));
            } else {
                Optional<String> refused = ConfigLimits.refuse(path, s, f.getValue());
                if (refused.isPresent()) {
                    throw new ConfigException(path + " " + refused.get());
                }
            }
        }
    }

    private static void deepSet(ObjectNode into, ObjectNode patch) {
        patch.fields()
                .forEachRemaining(
                        f -> {
                            JsonNode cur = into.get(f.getKey());
                            if (f.getValue() instanceof ObjectNode p
                                    && cur instanceof ObjectNode c) {
                                deepSet(c, p);
                            } else {
                                into.set(f.getKey(), f.getValue().deepCopy());
                            }
                        });
    }

    /** Whether there are changes not yet saved. */
    public boolean isDirty() {
        return dirty;
    }

    /** Writes every changed level (atomically; a power cut leaves the previous file). */
    public void save() {
        for (int i = 1; i < levels.length; i++) {
            if (levels[i].size() > 0 || store.read(fileName(i)).isPresent()) {
                byte[] want = Json.bytes(levels[i]);
                Optional<byte[]> have = store.read(fileName(i));
                if (have.isEmpty() || !java.util.Arrays.equals(have.get(), want)) {
                    store.write(fileName(i), want);
                }
            }
        }
        dirty = false;
    }
}
