package io.uffd4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * Entry point of {@code ./uffd4j}. Exit codes: 0 ok, 1 failure, 2 usage error.
 */
@Command(name = "uffd4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Linux userfaultfd for Java 25: diagnose this machine, see it work, measure it.",
        subcommands = {DoctorCommand.class, DemoCommand.class, io.uffd4j.snapshot.cli.SnapshotRestoreCommand.class,
                io.uffd4j.snapshot.cli.SnapshotCommand.class,
                io.uffd4j.pager.cli.PagerCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
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

    /** The configured command line (tests run it in-process with their own writers). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("uffd4j " + commandLine.getCommandName() + ": " + describe(e));
            if (System.getenv("UFFD4J_DEBUG") != null) {
                e.printStackTrace(commandLine.getErr());
            } else {
                commandLine.getErr().println("(set UFFD4J_DEBUG=1 for the stack trace)");
            }
            commandLine.getErr().flush();
            return FAILURE;
        });
        return cl;
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.toString() : e.getClass().getSimpleName() + ": " + m;
    }

    /** {@code ./uffd4j} without a command: usage, exit 2. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }
}
