package dev.meerkat.fleet.store;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small in-memory map of the most recently used entries, at most {@code capacity} of them (the
 * least recently used one leaves first). Safe for concurrent use; a caller that computes a value
 * does so outside the lock, so two threads may compute the same value once each.
 */
public final class RecentlyUsed<K, V> {
    private final Map<K, V> entries;

    public RecentlyUsed(int capacity) {
        this.entries =
                new LinkedHashMap<>(16, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                        return size() > capacity;
                    }
                };
    }

    /** The entry for {@code key}, or null. */
    public synchronized V get(K key) {
        return entries.get(key);
    }

    public synchronized void put(K key, V value) {
        entries.put(key, value);
    }
}
