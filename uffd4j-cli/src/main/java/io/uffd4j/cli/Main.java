package io.uffd4j.cli;

import io.uffd4j.cli.options.CommandLines;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * Entry point of {@code ./uffd4j}. Exit codes: 0 ok, 1 failure, 2 usage error.
 */
@Command(name = "uffd4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Linux userfaultfd for Java 25: diagnose this machine, see it work, measure it.",
        subcommands = {DoctorCommand.class, DemoCommand.class, io.uffd4j.cli.snapshot.SnapshotRestoreCommand.class,
                io.uffd4j.cli.snapshot.SnapshotCommand.class,
                io.uffd4j.cli.pager.PagerCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        synopsisSubcommandLabel = "COMMAND",
        footer = {"", "Start with: ./uffd4j doctor   then: ./uffd4j demo"})
public final class Main implements Callable<Integer> {
    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Global: failures print their stack trace (otherwise one line). */
    @Option(names = CommandLines.VERBOSE, scope = ScopeType.INHERIT,
            description = "On a failure, print the stack trace too (otherwise one line).")
    boolean verbose;

    /**
     * The configured command line (tests run it in-process with their own writers): usage errors are one
     * line on stderr and exit code 2, failures one line and exit code 1 (stack trace with --verbose).
     */
    public static CommandLine commandLine() {
        return CommandLines.configure(new CommandLine(new Main()));
    }

    /** {@code ./uffd4j} without a command: usage, exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }
}
