package io.uffd4j.ipc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A temporary directory owned by this process, named {@code PREFIX-PID-RANDOM} in the temporary-file
 * directory and deleted with its content at {@link #close()}. A process killed with SIGKILL cannot clean
 * up, so creating one first removes the directories of the same prefix whose owning process is gone:
 * whatever a killed run left behind lasts only until the next run.
 */
public final class ScratchDirectory implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ScratchDirectory.class.getName());

    private final Path path;

    private ScratchDirectory(Path path) {
        this.path = path;
    }

    /** Creates a directory in {@code java.io.tmpdir} after sweeping the ones left by dead processes. */
    public static ScratchDirectory create(String prefix) {
        return create(Path.of(System.getProperty("java.io.tmpdir")), prefix);
    }

    /** Creates a directory in {@code parent} after sweeping the ones left by dead processes. */
    public static ScratchDirectory create(Path parent, String prefix) {
        if (prefix.isEmpty() || prefix.contains("/")) {
            throw new IllegalArgumentException("a scratch directory prefix must be a non-empty file name, was '" + prefix + "'");
        }
        sweep(parent, prefix);
        try {
            return new ScratchDirectory(Files.createTempDirectory(parent, prefix + "-" + ProcessHandle.current().pid() + "-"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory in " + parent, e);
        }
    }

    public Path path() {
        return path;
    }

    /** Deletes the directory and everything in it; idempotent. */
    @Override
    public void close() {
        delete(path);
    }

    /** Deletes {@code dir} and its content, quietly (what cannot be deleted is logged). */
    public static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove " + dir + ": " + e);
        }
    }

    private static void sweep(Path parent, String prefix) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, prefix + "-*")) {
            for (Path p : entries) {
                ownerOf(p.getFileName().toString(), prefix).ifPresent(pid -> {
                    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                        return;
                    }
                    LOG.log(System.Logger.Level.INFO, "removing " + p + ", left by process " + pid + " which is gone");
                    delete(p);
                });
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "no sweep of " + parent + ": " + e);
        }
    }

    /** The pid in {@code PREFIX-PID-RANDOM}, if the name has that form. */
    static Optional<Long> ownerOf(String name, String prefix) {
        String rest = name.substring(prefix.length() + 1);
        int dash = rest.indexOf('-');
        if (dash <= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(Long.parseLong(rest.substring(0, dash)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return path.toString();
    }
}
