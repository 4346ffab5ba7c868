package io.uffd4j.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * Parent of the benchmark harnesses ({@code ./uffd4j bench NAME}). Harnesses are added as
 * subcommands in the annotation below.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Run a benchmark harness (each compares side by side and writes a JSON + PNG report).",
        synopsisSubcommandLabel = "BENCHMARK",
        subcommands = {io.uffd4j.bench.faults.FaultBenchCommand.class, io.uffd4j.bench.lazy.LazyBench.class,
                io.uffd4j.bench.snapshot.SnapshotBenchCommand.class, io.uffd4j.bench.compact.CompactBenchCommand.class})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** {@code bench} without a benchmark is a usage error (exit 2). */
    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), spec.subcommands().isEmpty()
                ? "no benchmark harness is built into this uffd4j yet"
                : "name a benchmark: " + String.join(", ", spec.subcommands().keySet()));
    }
}
