package io.uffd4j.cli;

import picocli.CommandLine.Option;

/** {@code --color=auto|always|never}, shared by the commands that print for people. */
final class ColorOption {
    enum When { auto, always, never }

    @Option(names = "--color", defaultValue = "auto", paramLabel = "WHEN",
            description = "Colour the output: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: only on a terminal, unless NO_COLOR is set).")
    When when = When.auto;

    Terminal terminal() {
        return Terminal.detect(when);
    }
}
