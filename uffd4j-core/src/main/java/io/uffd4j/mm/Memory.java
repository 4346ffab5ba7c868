package io.uffd4j.mm;

import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.ffm.Libc;

/** Operations on address ranges that no single {@link Mapping} owns. */
public final class Memory {
    private Memory() {}

    /**
     * Copies {@code length} bytes from {@code source} to {@code destination} inside one native call
     * (libc memcpy). A page fault taken during the copy is taken in native state, so a fault handler of
     * this JVM can serve it without the safepoint deadlock (docs/safepoints.md). A failed (poisoned) page
     * inside the copy is a SIGBUS in native code, which the JVM does not survive: use it only on memory
     * whose pages are never poisoned (or through {@code GuardedMemory}'s checked mode, which reports
     * them). The ranges must not overlap.
     */
    public static void copy(long destination, long source, long length) {
        if (length < 0) {
            throw new IllegalArgumentException("copy length must be 0 or more, was " + length);
        }
        Libc.memcpy(destination, source, length);
    }

    /** madvise(2) over [address, address + length). */
    public static void madvise(long address, long length, Advice advice) {
        int r = Libc.madvise(address, length, advice.value());
        if (r < 0) {
            Errno e = Errno.of(-r);
            throw UffdException.of("madvise(MADV_" + advice.name() + ")", e, -r, address, length, 0,
                    meaning(advice, e));
        }
    }

    private static String meaning(Advice advice, Errno e) {
        return switch (e) {
            case EINVAL -> "the range is not page aligned, or MADV_" + advice.name() + " is not supported for this mapping";
            case ENOMEM -> "part of the range is not mapped";
            case EFAULT -> "populating failed: a page could not be faulted in (poisoned, or its handler gave up)";
            case EAGAIN -> "a transient failure; try again";
            default -> e.description();
        };
    }

    /** Changes protections (PROT_READ = 1, PROT_WRITE = 2 combined as {@code readable}/{@code writable}). */
    public static void protect(long address, long length, boolean readable, boolean writable) {
        int r = Libc.mprotect(address, length, (readable ? 1 : 0) | (writable ? 2 : 0));
        if (r < 0) {
            throw UffdException.of("mprotect", Errno.of(-r), -r, address, length, 0, null);
        }
    }

    /**
     * mincore(2): writes one byte per page of [address, address + length) into {@code vector} (native,
     * at least one byte per page), bit 0 set where the page is resident; for a shared file mapping,
     * where the page is in the page cache, whether or not this process maps it.
     */
    public static void residency(long address, long length, java.lang.foreign.MemorySegment vector) {
        if (!vector.isNative()) {
            throw new IllegalArgumentException("the residency vector must be native memory");
        }
        int r = Libc.mincore(address, length, vector.address());
        if (r < 0) {
            throw UffdException.of("mincore", Errno.of(-r), -r, address, length, 0, null);
        }
    }
}
