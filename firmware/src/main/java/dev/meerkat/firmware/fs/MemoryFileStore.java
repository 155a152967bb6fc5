package dev.meerkat.firmware.fs;

import dev.meerkat.hal.PowerSupply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A file store kept in memory but subject to the device's power supply: a write is two
 * state-changing operations (write the new copy, then switch to it), and a power cut tears either
 * one without ever leaving a half-written file visible. Survives device resets (it models flash),
 * not the process.
 */
public final class MemoryFileStore implements FileStore {

    private final PowerSupply power;
    private final Map<String, byte[]> files = new TreeMap<>();
    private final Map<String, byte[]> shadow = new TreeMap<>();

    public MemoryFileStore(PowerSupply power) {
        this.power = power;
    }

    @Override
    public synchronized Optional<byte[]> read(String name) {
        power.ensureUp("read " + name);
        byte[] b = files.get(FileStore.checkName(name));
        return Optional.ofNullable(b == null ? null : b.clone());
    }

    @Override
    public synchronized void write(String name, byte[] content) {
        FileStore.checkName(name);
        String what = "write of " + name;
        if (power.beginMutation(what)) {
            // torn while writing the new copy: the shadow is garbage, the file is untouched
            shadow.put(name, java.util.Arrays.copyOf(content, content.length / 2));
            throw power.tornException(what);
        }
        shadow.put(name, content.clone());
        String sw = "switch to new " + name;
        if (power.beginMutation(sw)) {
            // the switch is a single word: torn means not done
            throw power.tornException(sw);
        }
        files.put(name, shadow.remove(name));
    }

    @Override
    public synchronized boolean delete(String name) {
        FileStore.checkName(name);
        if (!files.containsKey(name)) {
            return false;
        }
        String what = "delete of " + name;
        if (power.beginMutation(what)) {
            throw power.tornException(what);
        }
        files.remove(name);
        return true;
    }

    @Override
    public synchronized List<String> list() {
        return new ArrayList<>(files.keySet());
    }
}
