package io.uffd4j.bench.support;

import io.uffd4j.cli.options.Refusal;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --cache-dir}, for the harnesses that build a C reference (a picocli mixin). */
public final class CacheDirOption {
    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Where the compiled C reference is cached (default $XDG_CACHE_HOME/uffd4j or ~/.cache/uffd4j).")
    Path cacheDir;

    /** Refuses a directory that cannot be created (nothing is created yet). */
    public void check(Refusal check) {
        if (cacheDir != null) {
            check.creatableDirectory("--cache-dir", cacheDir);
        }
    }

    /** The directory chosen, or the default one. */
    public Path directory() {
        return cacheDir != null ? cacheDir : CProgram.defaultCache();
    }
}
