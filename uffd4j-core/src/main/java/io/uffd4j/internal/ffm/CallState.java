package io.uffd4j.internal.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.VarHandle;

/**
 * Per-thread buffers into which the linker captures errno after each downcall.
 *
 * <p>One buffer per thread, allocated once, so capturing errno never allocates on the fault path.
 * Threads that want to skip even the thread-local lookup (fault loops) hold their own buffer from
 * {@link #allocate(Arena)} and pass it explicitly.
 */
public final class CallState {
    private CallState() {}

    private static final StructLayout LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final ThreadLocal<MemorySegment> CURRENT =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(LAYOUT));

    /** This thread's errno buffer. */
    public static MemorySegment current() {
        return CURRENT.get();
    }

    /** A private errno buffer for a thread that passes it explicitly. */
    public static MemorySegment allocate(Arena arena) {
        return arena.allocate(LAYOUT);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }
}
