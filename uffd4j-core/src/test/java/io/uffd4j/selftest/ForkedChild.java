package io.uffd4j.selftest;

import io.uffd4j.error.UffdException;
import io.uffd4j.internal.ffm.ForkCalls;
import io.uffd4j.internal.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A forked copy of this process that runs exactly one libc function and exits with its result.
 *
 * <p>Why this shape: a forked JVM has only the forking thread (no VM thread, no GC threads), so any Java
 * code it ran could wait forever for a safepoint or a lock held by a thread that no longer exists. Here
 * the child never returns to Java: glibc's {@code clone(fn, stack, SIGCHLD, arg)} runs the native
 * {@code fn(arg)} on a fresh stack in the child and calls {@code exit} with its return value. With
 * {@code strlen} the child reads memory (taking userfaults the parent can serve through the child's
 * descriptor) and reports what it read as its exit status; with {@code sleep} it keeps its copy of the
 * parent's pages alive until killed (and ends by itself if this JVM dies first). A hard deadline kills
 * the child (SIGKILL) if it does not finish.
 */
public final class ForkedChild implements AutoCloseable {
    private static final int SIGCHLD = 17;
    private static final int SIGKILL = 9;
    private static final int WNOHANG = 1;
    private static final long STACK_SIZE = 256 * 1024;

    private final int pid;
    private final Arena arena;
    private final MemorySegment status;
    private boolean reaped;
    private int rawStatus;

    private ForkedChild(int pid, Arena arena) {
        this.pid = pid;
        this.arena = arena;
        this.status = arena.allocate(JAVA_INT);
    }

    /**
     * Forks; the child calls libc's {@code function(arg)} and exits with the result's low 8 bits. The
     * call returns in the parent once the child exists (with EVENT_FORK enabled, once a reader has read
     * the FORK message: start one first).
     */
    public static ForkedChild start(String function, long arg) {
        Arena arena = Arena.ofShared();
        MemorySegment stack = arena.allocate(STACK_SIZE, 16);
        long top = (stack.address() + STACK_SIZE) & ~15L;
        int pid = ForkCalls.clone(ForkCalls.symbolAddress(function), top, SIGCHLD, arg);
        if (pid < 0) {
            arena.close();
            throw UffdException.of("clone", -pid, "forking a child running " + function);
        }
        return new ForkedChild(pid, arena);
    }

    public int pid() {
        return pid;
    }

    /** Waits for the child's exit; kills it and fails the test after {@code timeout}. Returns the exit code. */
    public int awaitExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!poll()) {
            if (System.nanoTime() > deadline) {
                kill();
                return fail("forked child " + pid + " did not exit within " + timeout + "; killed");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
                return fail("interrupted");
            }
        }
        if ((rawStatus & 0x7f) != 0) {
            return fail("forked child " + pid + " was killed by signal " + (rawStatus & 0x7f));
        }
        return (rawStatus >> 8) & 0xff;
    }

    private boolean poll() {
        if (reaped) {
            return true;
        }
        int r = ForkCalls.waitpid(pid, status.address(), WNOHANG);
        if (r == pid) {
            rawStatus = status.get(JAVA_INT, 0);
            reaped = true;
        } else if (r < 0) {
            throw UffdException.of("waitpid", -r, "child " + pid);
        }
        return reaped;
    }

    /** SIGKILL and reap. */
    public void kill() {
        if (!reaped) {
            Libc.kill(pid, SIGKILL);
            int r = ForkCalls.waitpid(pid, status.address(), 0);
            if (r == pid) {
                rawStatus = status.get(JAVA_INT, 0);
            }
            reaped = true;
        }
    }

    @Override
    public void close() {
        kill();
        arena.close();
    }
}
