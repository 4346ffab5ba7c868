package io.uffd4j.pager.source;

import java.lang.reflect.InvocationTargetException;

/** Creates sources inside the pager from a {@link SourceSpec}. */
public final class Sources {
    private Sources() {}

    public static PageSource open(SourceSpec spec, long regionSize, long pageSize) {
        SourceConfig config = new SourceConfig(spec.config(), regionSize, pageSize);
        return switch (spec.className()) {
            case "zeros" -> new ZeroSource(config);
            case "file" -> new ImageFileSource(config);
            case "generator" -> new GeneratorSource(config);
            default -> instantiate(spec.className(), config);
        };
    }

    private static PageSource instantiate(String className, SourceConfig config) {
        Class<?> c;
        try {
            c = Class.forName(className, true, Thread.currentThread().getContextClassLoader() != null
                    ? Thread.currentThread().getContextClassLoader() : Sources.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("page source class " + className + " is not on the pager's class or module path", e);
        }
        if (!PageSource.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException(className + " does not implement " + PageSource.class.getName());
        }
        try {
            return (PageSource) c.getConstructor(SourceConfig.class).newInstance(config);
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(className + " needs a public constructor taking SourceConfig", e);
        } catch (InvocationTargetException e) {
            Throwable t = e.getCause();
            throw new IllegalArgumentException("creating " + className + " failed: " + t, t);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("cannot create " + className + ": " + e, e);
        }
    }
}
