package io.uffd4j.mm;

import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.ffm.Libc;

/** Operations on address ranges that no single {@link Mapping} owns. */
public final class Memory {
    private Memory() {}

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
}
