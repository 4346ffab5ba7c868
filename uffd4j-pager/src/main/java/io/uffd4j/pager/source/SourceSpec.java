package io.uffd4j.pager.source;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How the pager creates a region's source: a class name (or a built-in short name: {@code zeros},
 * {@code file}, {@code generator}) and string configuration. Sent to the pager process, which
 * instantiates it there.
 */
public record SourceSpec(String className, Map<String, String> config) {
    public SourceSpec {
        Objects.requireNonNull(className, "className");
        if (className.isBlank()) {
            throw new IllegalArgumentException("a source class name is required");
        }
        config = Map.copyOf(config);
    }

    /** All zeros: every page is served with ZEROPAGE. */
    public static SourceSpec zeros() {
        return new SourceSpec("zeros", Map.of());
    }

    /** A raw image file, read through a read-only mapping (checksums from {@code FILE.crc32c} if present). */
    public static SourceSpec file(Path image) {
        return new SourceSpec("file", Map.of("path", image.toAbsolutePath().toString()));
    }

    /** Deterministic content from (seed, page) over {@code size} bytes, for tests and benchmarks. */
    public static SourceSpec generator(long seed, long size) {
        return new SourceSpec("generator", Map.of("seed", Long.toString(seed), "size", Long.toString(size)));
    }

    /** This spec with one more configuration entry. */
    public SourceSpec with(String key, String value) {
        Map<String, String> m = new LinkedHashMap<>(config);
        m.put(key, value);
        return new SourceSpec(className, m);
    }
}
