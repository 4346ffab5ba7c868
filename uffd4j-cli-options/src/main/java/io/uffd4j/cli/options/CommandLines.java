package io.uffd4j.cli.options;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.PrintWriter;
import java.util.List;

/**
 * How every {@code ./uffd4j} command line reports bad input and failures: a usage error is one line on
 * stderr naming the option, the value and what is accepted, exit code 2; a failure while running is one
 * line on stderr, exit code 1, with the stack trace only under {@code --verbose} (or UFFD4J_DEBUG=1).
 */
public final class CommandLines {
    public static final int FAILURE = 1;
    public static final int USAGE = 2;
    /** The global option that adds stack traces to failures. */
    public static final String VERBOSE = "--verbose";

    private CommandLines() {}

    /** Installs the converters and handlers on {@code cl} and the subcommands it has; returns it. */
    public static CommandLine configure(CommandLine cl) {
        cl.registerConverter(Integer.class, new Numbers.IntConverter());
        cl.registerConverter(Integer.TYPE, new Numbers.IntConverter());
        cl.registerConverter(Long.class, new Numbers.LongConverter());
        cl.registerConverter(Long.TYPE, new Numbers.LongConverter());
        cl.setParameterExceptionHandler(CommandLines::usageError);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ParameterException pe) {
                return usageError(pe, new String[0]);
            }
            PrintWriter err = commandLine.getErr();
            // Commands run on their own (bench.sh, child JVMs) have no --verbose: the environment variable does it.
            String how = commandLine.getCommandSpec().findOption(VERBOSE) != null ? VERBOSE : "UFFD4J_DEBUG=1";
            err.println(name(commandLine) + ": failed: " + oneLine(describe(e))
                    + (verbose(parseResult) ? "" : " (" + how + " for the stack trace)"));
            if (verbose(parseResult)) {
                e.printStackTrace(err);
            }
            err.flush();
            return FAILURE;
        });
        return cl;
    }

    /** One line on stderr for a usage error, exit code 2. */
    static int usageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        String line = name(cl) + ": " + oneLine(e.getMessage());
        if (e instanceof UnmatchedArgumentException u) {
            List<String> suggestions = u.getSuggestions();
            if (!suggestions.isEmpty()) {
                line += "; did you mean " + String.join(" or ", suggestions.subList(0, Math.min(3, suggestions.size()))) + "?";
            }
        }
        line += " (see " + name(cl) + " --help)";
        PrintWriter err = cl.getErr();
        err.println(line);
        err.flush();
        return USAGE;
    }

    private static String name(CommandLine cl) {
        return cl.getCommandSpec().qualifiedName();
    }

    private static boolean verbose(ParseResult parseResult) {
        for (ParseResult r = parseResult; r != null; r = r.subcommand()) {
            if (r.hasMatchedOption(VERBOSE)) {
                return true;
            }
        }
        return System.getenv("UFFD4J_DEBUG") != null;
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.toString() : e.getClass().getSimpleName() + ": " + m;
    }

    /** Messages of exceptions may span lines; a refusal is one line. */
    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
