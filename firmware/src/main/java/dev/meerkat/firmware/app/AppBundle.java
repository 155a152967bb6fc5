package dev.meerkat.firmware.app;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

/**
 * An application bundle: the payload of a firmware image. It is a JAR holding the application's
 * classes, {@code conf0.json} (configuration defaults, which also define the schema of the
 * application's keys) and files under {@code fs/} that the device serves read-only. The manifest
 * names the entry class ({@code Meerkat-App-Entry}), the application and its version.
 *
 * @param name application name
 * @param version application version (informational; the image header carries the real one)
 * @param entry binary name of the class implementing {@link App}
 * @param conf0 configuration defaults, a JSON object
 * @param classes class bytes by binary name
 * @param files bundled files by name (without the {@code fs/} prefix)
 */
public record AppBundle(
        String name,
        String version,
        String entry,
        byte[] conf0,
        Map<String, byte[]> classes,
        Map<String, byte[]> files) {

    /** Manifest attribute naming the entry class. */
    public static final String ENTRY_ATTRIBUTE = "Meerkat-App-Entry";

    static final String NAME_ATTRIBUTE = "Meerkat-App-Name";
    static final String VERSION_ATTRIBUTE = "Meerkat-App-Version";

    public AppBundle {
        Objects.requireNonNull(name);
        Objects.requireNonNull(version);
        Objects.requireNonNull(entry);
        conf0 = conf0 == null ? "{}".getBytes(StandardCharsets.UTF_8) : conf0.clone();
        classes = Map.copyOf(classes);
        files = Map.copyOf(files);
    }

    @Override
    public byte[] conf0() {
        return conf0.clone();
    }

    /** Starts a bundle for {@code entry}. */
    public static Builder builder(String name, String version, Class<? extends App> entry) {
        return new Builder(name, version, entry.getName()).addClass(entry);
    }

    /**
     * The bundle as JAR bytes; entries are sorted and timestamped 0, so the bytes are reproducible.
     */
    public byte[] toJar() {
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue(NAME_ATTRIBUTE, name);
        a.putValue(VERSION_ATTRIBUTE, version);
        a.putValue(ENTRY_ATTRIBUTE, entry);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, mf)) {
            put(jar, "conf0.json", conf0);
            for (Map.Entry<String, byte[]> e : new TreeMap<>(classes).entrySet()) {
                put(jar, e.getKey().replace('.', '/') + ".class", e.getValue());
            }
            for (Map.Entry<String, byte[]> e : new TreeMap<>(files).entrySet()) {
                put(jar, "fs/" + e.getKey(), e.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void put(JarOutputStream jar, String name, byte[] content) throws IOException {
        JarEntry e = new JarEntry(name);
        e.setTime(0);
        jar.putNextEntry(e);
        jar.write(content);
        jar.closeEntry();
    }

    /**
     * Reads a bundle from JAR bytes.
     *
     * @throws IllegalArgumentException when the bytes are not a bundle (no manifest, no entry
     *     class)
     */
    public static AppBundle fromJar(byte[] jarBytes) {
        return fromJar(new ByteArrayInputStream(jarBytes));
    }

    /** Reads a bundle from a JAR stream. */
    public static AppBundle fromJar(InputStream in) {
        try (JarInputStream jar = new JarInputStream(in, false)) {
            Manifest mf = jar.getManifest();
            if (mf == null || mf.getMainAttributes().getValue(ENTRY_ATTRIBUTE) == null) {
                throw new IllegalArgumentException(
                        "not an application bundle: no " + ENTRY_ATTRIBUTE + " in the manifest");
            }
            Attributes a = mf.getMainAttributes();
            Map<String, byte[]> classes = new TreeMap<>();
            Map<String, byte[]> files = new TreeMap<>();
            byte[] conf0 = null;
            JarEntry e;
            while ((e = jar.getNextJarEntry()) != null) {
                if (e.isDirectory()) {
                    continue;
                }
                byte[] content = jar.readAllBytes();
                String n = e.getName();
                if (n.equals("conf0.json")) {
                    conf0 = content;
                } else if (n.endsWith(".class")) {
                    classes.put(n.substring(0, n.length() - 6).replace('/', '.'), content);
                } else if (n.startsWith("fs/")) {
                    files.put(n.substring(3), content);
                }
            }
            return new AppBundle(
                    String.valueOf(a.getValue(NAME_ATTRIBUTE)),
                    String.valueOf(a.getValue(VERSION_ATTRIBUTE)),
                    a.getValue(ENTRY_ATTRIBUTE),
                    conf0,
                    classes,
                    files);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an application bundle: " + e.getMessage(), e);
        }
    }

    /**
     * Creates the application in a fresh class loader over this bundle's classes.
     *
     * @throws ReflectiveOperationException when the entry class is missing or cannot be created
     */
    public App instantiate(ClassLoader parent) throws ReflectiveOperationException {
        Map<String, byte[]> resources = new TreeMap<>();
        files.forEach((k, v) -> resources.put("fs/" + k, v));
        resources.put("conf0.json", conf0);
        BundleClassLoader loader =
                new BundleClassLoader(name + "-" + version, parent, classes, resources);
        Class<?> c = Class.forName(entry, true, loader);
        if (!App.class.isAssignableFrom(c)) {
            throw new ClassCastException(entry + " does not implement " + App.class.getName());
        }
        return (App) c.getDeclaredConstructor().newInstance();
    }

    /** Collects a bundle's parts. */
    public static final class Builder {
        private final String name;
        private final String version;
        private final String entry;
        private byte[] conf0;
        private final Map<String, byte[]> classes = new TreeMap<>();
        private final Map<String, byte[]> files = new TreeMap<>();

        private Builder(String name, String version, String entry) {
            this.name = name;
            this.version = version;
            this.entry = entry;
        }

        /** Adds the bytes of a compiled class, read from its class loader. */
        public Builder addClass(Class<?> c) {
            String res = c.getName().replace('.', '/') + ".class";
            ClassLoader l =
                    c.getClassLoader() != null
                            ? c.getClassLoader()
                            : ClassLoader.getSystemClassLoader();
            try (InputStream in = l.getResourceAsStream(res)) {
                if (in == null) {
                    throw new IllegalArgumentException(
                            "class file of " + c.getName() + " not found");
                }
                classes.put(c.getName(), in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        /** Adds a class from its bytes. */
        public Builder addClass(String binaryName, byte[] bytes) {
            classes.put(binaryName, bytes.clone());
            return this;
        }

        /** Sets the configuration defaults (a JSON object). */
        public Builder conf0(String json) {
            this.conf0 = json.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        /** Adds a file served from the device's read-only bundle area. */
        public Builder file(String name, byte[] content) {
            files.put(name, content.clone());
            return this;
        }

        public AppBundle build() {
            return new AppBundle(name, version, entry, conf0, classes, files);
        }
    }
}
