package io.uffd4j.pager.server;

import io.uffd4j.CopyMode;
import io.uffd4j.Modes;
import io.uffd4j.Resolver;
import io.uffd4j.error.Errno;
import io.uffd4j.mm.Mapping;

/**
 * Tells whether the address space (mm) a userfaultfd serves still exists: the application's, or a forked
 * child's. Once it is gone nothing can fault on the descriptor again, so its server can end.
 *
 * <p>The probe is a one-page {@code UFFDIO_COPY} with {@code DONTWAKE} whose source is an inaccessible
 * (PROT_NONE) page of this process. After checking its arguments ({@code EAGAIN} while an event is
 * pending), the kernel takes a reference on the target mm ({@code mmget_not_zero}) and answers
 * {@code ESRCH} when it cannot; otherwise it reads the source page, which fails, and answers
 * {@code EFAULT} (or {@code ENOENT} for a range no longer registered) before installing anything,
 * whatever the target page. So the probe never changes the application's memory, and only ESRCH
 * means "gone". Measured on Linux 6.18: EFAULT on a missing and on
 * a present page of a live process, ESRCH after the process exited and, while the process still runs,
 * after it called execve (a fork-then-exec child).
 *
 * <p>Why not the alternatives: {@code UFFDIO_WAKE} answers 0 whether or not the mm exists (the old probe,
 * which leaked every forked child); {@code ZEROPAGE} or a real COPY would fill a missing page; a pidfd
 * outlives the mm across execve (a {@code ProcessBuilder} child under {@code launchMechanism=FORK} would
 * hold its server until the program it runs exits), cannot be had for a forked child (the FORK event
 * carries no pid) and is racy to open from a pid received earlier; the userfaultfd reports nothing to
 * {@code poll} when its mm goes away.
 */
final class AddressSpaceProbe implements AutoCloseable {
    private static final Modes<CopyMode> DONTWAKE = Modes.of(CopyMode.DONTWAKE);

    private final Mapping unreadable;
    private final long pageSize;

    AddressSpaceProbe(long pageSize) {
        this.pageSize = pageSize;
        this.unreadable = Mapping.reserve(pageSize, pageSize);
    }

    /** True only when the kernel says the address space behind {@code resolver} is gone; any other answer is "alive". */
    boolean isGone(Resolver resolver, long pageAddress) {
        return resolver.copy(pageAddress, unreadable.address(), pageSize, DONTWAKE) == Errno.ESRCH;
    }

    @Override
    public void close() {
        unreadable.close();
    }
}
