package io.uffd4j.cli.options;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks of parsed option values at the start of a command, before it writes or starts anything. Each
 * failed check is a {@link ParameterException} whose message names the option, the value and what is
 * accepted; {@link CommandLines} prints it as one line and exits with 2.
 */
public final class Refusal {
    private final CommandSpec spec;

    private Refusal(CommandSpec spec) {
        this.spec = spec;
    }

    /** Checks for the command {@code spec} describes. */
    public static Refusal of(CommandSpec spec) {
        return new Refusal(spec);
    }

    /** {@code value} of {@code option} must lie in [min, max]. */
    public Refusal range(String option, long value, long min, long max) {
        return range(option, value, min, max, "");
    }

    /** {@code value} of {@code option}, in {@code unit} (e.g. "MiB", "ms"), must lie in [min, max]. */
    public Refusal range(String option, long value, long min, long max, String unit) {
        if (value < min || value > max) {
            String u = unit.isEmpty() ? "" : " " + unit;
            throw refuse(option, value + u, "a whole number from " + min + " to " + max + u);
        }
        return this;
    }

    /** A refusal of {@code value} for {@code option}, saying what is accepted instead. */
    public ParameterException refuse(String option, Object value, String accepted) {
        return new ParameterException(commandLine(), "Invalid value for option '" + option + "': " + value
                + " (accepted: " + accepted + ")");
    }

    /** A refusal of {@code value} for {@code option}: {@code problem} says what is wrong with it, then what is accepted. */
    public ParameterException refuse(String option, Object value, String problem, String accepted) {
        return new ParameterException(commandLine(), "Invalid value for option '" + option + "': " + value + ": " + problem
                + " (accepted: " + accepted + ")");
    }

    /** A refusal of the positional parameter {@code label}: {@code problem} says what is wrong with it. */
    public ParameterException refuseParameter(String label, Object value, String problem, String accepted) {
        return new ParameterException(commandLine(), "Invalid value for " + label + " '" + value + "': " + problem
                + " (accepted: " + accepted + ")");
    }

    /**
     * Refuses unless the file system that would hold {@code target} (a file or directory, created or not)
     * has {@code bytesNeeded} usable bytes. Nothing is created to find out.
     */
    public Refusal freeSpace(String option, Path target, long bytesNeeded) {
        return freeSpace(option, target, target, bytesNeeded);
    }

    /** {@link #freeSpace(String, Path, long)} for an option whose value ({@code value}) is not the target itself. */
    public Refusal freeSpace(String option, Object value, Path target, long bytesNeeded) {
        Path existing = existingAncestor(target);
        long usable;
        try {
            usable = Files.getFileStore(existing).getUsableSpace();
        } catch (IOException e) {
            throw refuse(option, target, "cannot find its file system: " + e.getMessage(), "a place on a file system that can be written");
        }
        if (usable < bytesNeeded) {
            throw new ParameterException(commandLine(), "Not enough space for option '" + option + "': " + value
                    + (value.equals(target) ? "" : " (written to " + target + ")") + " needs " + mib(bytesNeeded) + ", its file system (" + existing + ") has " + mib(usable) + " free");
        }
        return this;
    }

    /** Refuses unless {@code dir} is a directory or can be created as one (its nearest existing ancestor is a directory). */
    public Refusal creatableDirectory(String option, Path dir) {
        Path existing = existingAncestor(dir);
        if (!Files.isDirectory(existing)) {
            throw refuse(option, dir, existing + " is not a directory", "a directory, or a path that can be created as one");
        }
        if (!Files.isWritable(existing)) {
            throw refuse(option, dir, existing + " is not writable", "a directory this user can write");
        }
        return this;
    }

    /**
     * Refuses {@code socket} unless it is a Unix socket path: at most 107 bytes, in an existing directory, and,
     * if something is there already, a socket ({@code mustExist}: it must be there, e.g. a running pager's).
     */
    public Refusal socket(String option, Path socket, boolean mustExist) {
        if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
            throw refuse(option, socket, "too long", "a Unix socket path of at most 107 bytes");
        }
        boolean exists = Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if (mustExist && !exists) {
            throw refuse(option, socket, "no such file", "the socket of a running pager, ./uffd4j pager --socket PATH");
        }
        if (exists && !isSocket(socket)) {
            throw refuse(option, socket, "this file exists and is not a socket", "a Unix socket path");
        }
        Path dir = socket.toAbsolutePath().getParent();
        if (!exists && (dir == null || !Files.isDirectory(dir))) {
            throw refuse(option, socket, dir + " is not a directory", "a Unix socket path in an existing directory");
        }
        return this;
    }

    private static boolean isSocket(Path p) {
        try {
            int mode = (Integer) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return (mode & 0170000) == 0140000;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** The nearest ancestor of {@code p} (or {@code p} itself) that exists. */
    static Path existingAncestor(Path p) {
        Path a = p.toAbsolutePath().normalize();
        while (a != null && !Files.exists(a)) {
            a = a.getParent();
        }
        return a != null ? a : Path.of("/");
    }

    static String mib(long bytes) {
        return bytes >= 1L << 30 ? String.format("%.1f GiB", bytes / (double) (1L << 30))
                : String.format("%.1f MiB", bytes / (double) (1L << 20));
    }

    private CommandLine commandLine() {
        return spec.commandLine();
    }
}
