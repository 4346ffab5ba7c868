package io.uffd4j.ipc;

import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.ffm.Libc;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Stopping and resuming a whole process (SIGSTOP / SIGCONT): how a pager quiesces an application for
 * the instant of a snapshot without the application's cooperation, the way fork() would.
 */
public final class ProcessControl {
    private ProcessControl() {}

    private static final int SIGCONT = 18;
    private static final int SIGSTOP = 19;

    /**
     * Stops every thread of {@code pid} and waits until each one is stopped (state T in
     * /proc/pid/task/N/stat), at most {@code timeout}; on timeout it resumes the process and throws.
     */
    public static void stop(long pid, Duration timeout) {
        signal(pid, SIGSTOP, "SIGSTOP");
        if (!allStopped(pid, System.nanoTime() + timeout.toNanos())) {
            resume(pid);
            throw new UffdException("SIGSTOP", Errno.ETIMEDOUT, 0, 0, 0, "process " + pid
                    + " did not stop within " + timeout.toMillis() + " ms (a thread in uninterruptible sleep?)");
        }
    }

    /** Resumes a stopped process (harmless if it is running). */
    public static void resume(long pid) {
        signal(pid, SIGCONT, "SIGCONT");
    }

    private static void signal(long pid, int sig, String name) {
        int r = Libc.kill((int) pid, sig);
        if (r < 0) {
            throw UffdException.of("kill(" + name + ")", -r, "process " + pid);
        }
    }

    /**
     * Whether every thread of {@code pid} is stopped; a thread that exits meanwhile counts as stopped.
     * Each thread is waited for in turn (most stop within microseconds), then the list is read once more
     * in case a thread was created while the stop was spreading.
     */
    static boolean allStopped(long pid, long deadlineNanos) {
        Path dir = Path.of("/proc", Long.toString(pid), "task");
        try {
            return waitForEachThread(dir, deadlineNanos) && waitForEachThread(dir, deadlineNanos);
        } catch (IOException e) {
            throw UffdException.of("stop", Errno.ESRCH.code(), "process " + pid + ": " + e.getMessage());
        }
    }

    private static boolean waitForEachThread(Path dir, long deadlineNanos) throws IOException {
        byte[] buf = new byte[512];
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(dir)) {
            for (Path t : tasks) {
                Path stat = t.resolve("stat");
                while (true) {
                    char state;
                    try (var in = Files.newInputStream(stat)) {
                        int n = in.readNBytes(buf, 0, buf.length);
                        state = stateOf(buf, n);
                    } catch (NoSuchFileException gone) {
                        break;
                    }
                    if (state == 'T' || state == 't' || state == 'X' || state == 'Z') {
                        break;
                    }
                    if (System.nanoTime() > deadlineNanos) {
                        return false;
                    }
                    Thread.onSpinWait();
                }
            }
        }
        return true;
    }

    /** The state letter of a /proc/.../stat line: the first field after the last ')'. */
    private static char stateOf(byte[] stat, int n) {
        for (int i = n - 1; i >= 0; i--) {
            if (stat[i] == ')' && i + 2 < n) {
                return (char) stat[i + 2];
            }
        }
        return '?';
    }
}
