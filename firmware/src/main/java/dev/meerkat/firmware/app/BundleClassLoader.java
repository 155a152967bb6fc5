package dev.meerkat.firmware.app;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URL;
import java.util.Map;

/**
 * Loads an application bundle's classes from the bytes read out of the booted slot. Classes the
 * bundle contains are always defined here (child first), even when the host has a class of the same
 * name, so every firmware version runs its own code; everything else (the runtime API, the JDK,
 * Jackson) comes from the parent.
 */
final class BundleClassLoader extends ClassLoader {

    static {
        registerAsParallelCapable();
    }

    private final Map<String, byte[]> classes;
    private final Map<String, byte[]> resources;

    BundleClassLoader(
            String name,
            ClassLoader parent,
            Map<String, byte[]> classes,
            Map<String, byte[]> resources) {
        super(name, parent);
        this.classes = Map.copyOf(classes);
        this.resources = Map.copyOf(resources);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null && classes.containsKey(name)) {
                c = findClass(name);
            }
            if (c == null) {
                return super.loadClass(name, resolve);
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
        byte[] b = classes.get(name);
        if (b == null) {
            throw new ClassNotFoundException(name);
        }
        return defineClass(name, b, 0, b.length);
    }

    @Override
    public InputStream getResourceAsStream(String name) {
        byte[] b = resources.get(name);
        return b != null ? new ByteArrayInputStream(b) : super.getResourceAsStream(name);
    }

    @Override
    protected URL findResource(String name) {
        return null;
    }
}
