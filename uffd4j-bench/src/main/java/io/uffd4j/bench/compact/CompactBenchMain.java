package io.uffd4j.bench.compact;

import picocli.CommandLine;

/** Standalone entry point of the compaction benchmark (same options as {@code ./uffd4j bench compact}). */
public final class CompactBenchMain {
    private CompactBenchMain() {}

    public static void main(String[] args) {
        System.exit(io.uffd4j.cli.options.CommandLines.configure(new CommandLine(new CompactBenchCommand()))
                .setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }
}
