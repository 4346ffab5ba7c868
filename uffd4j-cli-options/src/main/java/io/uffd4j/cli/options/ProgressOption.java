package io.uffd4j.cli.options;

import picocli.CommandLine.Option;

/** {@code --no-progress}, for the commands that show a progress bar while they work (a picocli mixin). */
public final class ProgressOption {
    @Option(names = "--no-progress", description = "Print plain lines instead of a progress bar")
    boolean noProgress;

    /** Whether to draw a progress bar. */
    public boolean progressBar() {
        return !noProgress;
    }
}
