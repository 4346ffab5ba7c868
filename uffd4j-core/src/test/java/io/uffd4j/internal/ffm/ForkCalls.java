package io.uffd4j.internal.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls only the tests make, to fork a child that never returns to Java (selftest's ForkedChild).
 * Bound like {@link Libc}'s handles and in its package: restricted code stays in one place, and Libc keeps
 * only what the library calls.
 */
public final class ForkCalls {
    private ForkCalls() {}

    // clone(fn, stack, flags, arg, ...): the trailing optional arguments are never passed (no *TID/TLS flags).
    private static final MethodHandle CLONE = Libc.bindVariadicErrno("clone",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG), 4);
    private static final MethodHandle WAITPID = Libc.bindErrno("waitpid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));

    /** The address of libc function {@code name} (e.g. to pass it as a function pointer). */
    public static long symbolAddress(String name) {
        return Libc.LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name)).address();
    }

    /**
     * {@code clone(fn, stackTop, flags, arg)}: with {@code flags} = SIGCHLD this forks the process, and
     * the child runs the native function {@code fn(arg)} on {@code stackTop} and exits with its result,
     * without ever returning to Java (Java code in a forked copy of a JVM, which has no VM thread, can
     * hang). {@code fn} must be a native function, never an upcall stub. Returns the child's pid or -errno.
     */
    public static int clone(long fn, long stackTop, int flags, long arg) {
        MemorySegment s = CallState.current();
        try {
            return (int) Libc.result((int) CLONE.invokeExact(s, fn, stackTop, flags, arg), s);
        } catch (Throwable t) {
            throw Libc.linkageFailure(t);
        }
    }

    /** {@code waitpid(pid, status, options)}; {@code status} points to an int (or 0). Returns the pid, 0, or -errno. */
    public static int waitpid(int pid, long status, int options) {
        MemorySegment s = CallState.current();
        try {
            return (int) Libc.result((int) WAITPID.invokeExact(s, pid, status, options), s);
        } catch (Throwable t) {
            throw Libc.linkageFailure(t);
        }
    }
}
