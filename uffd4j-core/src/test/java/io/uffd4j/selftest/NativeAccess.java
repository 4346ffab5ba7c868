package io.uffd4j.selftest;

import io.uffd4j.internal.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Touches registered memory only inside libc calls (memcpy, memset), so a thread that faults there is
 * in native state and never holds up a safepoint of this JVM while the test serves its fault.
 */
public final class NativeAccess {
    private NativeAccess() {}

    private static final int SCRATCH_SIZE = 1 << 16;
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(SCRATCH_SIZE, 64));

    public static long readLong(long address) {
        MemorySegment s = SCRATCH.get();
        Libc.memcpy(s.address(), address, 8);
        return s.get(JAVA_LONG, 0);
    }

    public static void writeLong(long address, long value) {
        MemorySegment s = SCRATCH.get();
        s.set(JAVA_LONG, 0, value);
        Libc.memcpy(address, s.address(), 8);
    }

    public static byte readByte(long address) {
        MemorySegment s = SCRATCH.get();
        Libc.memcpy(s.address(), address, 1);
        return s.get(JAVA_BYTE, 0);
    }

    /** Copies {@code length} bytes at {@code address} into a new array. */
    public static byte[] read(long address, int length) {
        MemorySegment s = SCRATCH.get();
        byte[] out = new byte[length];
        for (int done = 0; done < length; done += SCRATCH_SIZE) {
            int n = Math.min(SCRATCH_SIZE, length - done);
            Libc.memcpy(s.address(), address + done, n);
            MemorySegment.copy(s, JAVA_BYTE, 0, out, done, n);
        }
        return out;
    }

    public static void fill(long address, long length, byte value) {
        Libc.memset(address, value, length);
    }
}
