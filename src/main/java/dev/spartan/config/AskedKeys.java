package dev.spartan.config;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * A YAML mapping that remembers which keys the loader asked for, present or not. The keys asked for are the keys
 * the loader knows, so a key in the file that nobody asked for is unknown, without a list of known keys to keep
 * up to date by hand. Iterating a mapping (group names, say) counts as asking for all of its keys.
 */
final class AskedKeys extends LinkedHashMap<Object, Object> {
    private final Set<String> asked = new LinkedHashSet<>();
    private boolean iterated;

    /** SnakeYAML's safe constructor, making every mapping an {@code AskedKeys}. */
    static SafeConstructor constructor() {
        return new SafeConstructor(new LoaderOptions()) {
            @Override
            protected Map<Object, Object> createDefaultMap(int initSize) {
                return new AskedKeys();
            }
        };
    }

    @Override
    public Object get(Object key) {
        asked.add(String.valueOf(key));
        return super.get(key);
    }

    @Override
    public boolean containsKey(Object key) {
        asked.add(String.valueOf(key));
        return super.containsKey(key);
    }

    @Override
    public Object getOrDefault(Object key, Object defaultValue) {
        asked.add(String.valueOf(key));
        return super.getOrDefault(key, defaultValue);
    }

    @Override
    public Set<Map.Entry<Object, Object>> entrySet() {
        iterated = true;
        return super.entrySet();
    }

    @Override
    public Set<Object> keySet() {
        iterated = true;
        return super.keySet();
    }

    /** Forgets what building the tree asked, so that only the loader's questions count. Call once, after loading. */
    static void forgetConstruction(Object node) {
        if (node instanceof AskedKeys map) {
            map.asked.clear();
            map.iterated = false;
            map.quietEntries().forEach(e -> forgetConstruction(e.getValue()));
        } else if (node instanceof Iterable<?> list) {
            list.forEach(AskedKeys::forgetConstruction);
        }
    }

    /** The entries, without counting as a question. */
    Set<Map.Entry<Object, Object>> quietEntries() {
        return super.entrySet();
    }

    /** Whether the file has this key, without counting as a question. */
    boolean hasQuietly(String key) {
        return super.containsKey(key);
    }

    /** The keys asked for, in the order the loader asked. */
    Set<String> asked() {
        return asked;
    }

    /** True if the key was asked for, or the whole mapping was read as a map of names. */
    boolean wasAsked(String key) {
        return iterated || asked.contains(key);
    }
}
