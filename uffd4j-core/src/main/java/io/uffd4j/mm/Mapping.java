package io.uffd4j.mm;

import io.uffd4j.error.ClosedException;
import io.uffd4j.error.InvalidRequestException;
import io.uffd4j.error.RangeArgumentException;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.MappingBridge;
import io.uffd4j.internal.ffm.Abi;
import io.uffd4j.internal.ffm.Libc;
import io.uffd4j.internal.ffm.NativeMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A range of virtual memory this process mapped, with a clear owner and lifetime: {@link #close()}
 * unmaps it, after which every segment handed out for it is invalid.
 *
 * <p>Kinds: private anonymous ({@link #anonymous}), hugetlb ({@link #hugetlb}), shared file mappings
 * of a {@link Memfd}, and address-space reservations ({@link #reserve}).
 *
 * <p>While a fault handler thread of this JVM serves the mapping, {@link #segment()} refuses to hand
 * out raw segments and segments handed out before are invalidated (the safepoint rule, see
 * {@link UnguardedAccess}); access then goes through the guarded accessor.
 */
public final class Mapping implements AutoCloseable {
    /** What backs the mapping. */
    public enum Kind {
        /** MAP_PRIVATE | MAP_ANONYMOUS. */
        ANONYMOUS,
        /** MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB. */
        HUGETLB,
        /** MAP_SHARED of a memfd (shmem). */
        SHARED_MEMFD,
        /** MAP_SHARED of a hugetlb memfd. */
        SHARED_HUGETLB_MEMFD,
        /** PROT_NONE address-space reservation. */
        RESERVATION
    }

    static {
        MappingBridge.install(new MappingBridge.Ops<Mapping>() {
            @Override
            public void enterServedInProcess(Mapping m) {
                m.enterServed();
            }

            @Override
            public void leaveServedInProcess(Mapping m) {
                m.leaveServed();
            }
        });
    }

    private final long address;
    private final long size;
    private final long pageSize;
    private final Kind kind;
    private final String description;
    private boolean closed;
    private int servedInProcess;
    private Arena viewArena;
    private MemorySegment view;

    Mapping(long address, long size, long pageSize, Kind kind, String description) {
        this.address = address;
        this.size = size;
        this.pageSize = pageSize;
        this.kind = kind;
        this.description = description;
    }

    /** Private anonymous memory of {@code size} bytes (a multiple of the base page size). */
    public static Mapping anonymous(long size) {
        return anonymous(size, PageSizes.base());
    }

    /**
     * Private anonymous memory whose start is aligned to {@code alignment} (a power of two, e.g. the
     * THP size so that whole huge pages can be moved).
     */
    public static Mapping anonymous(long size, long alignment) {
        checkSize("mmap", size, PageSizes.base());
        long address = mapAligned(size, alignment, Abi.PROT_READ | Abi.PROT_WRITE,
                Abi.MAP_PRIVATE | Abi.MAP_ANONYMOUS | Abi.MAP_NORESERVE, -1);
        return new Mapping(address, size, PageSizes.base(), Kind.ANONYMOUS, "anonymous");
    }

    /** Private anonymous hugetlb memory with pages of {@code hugePageSize} (from the hugetlb pool). */
    public static Mapping hugetlb(long size, long hugePageSize) {
        checkSize("mmap(MAP_HUGETLB)", size, hugePageSize);
        int log2 = Long.numberOfTrailingZeros(hugePageSize);
        long a = Libc.mmap(0, size, Abi.PROT_READ | Abi.PROT_WRITE,
                Abi.MAP_PRIVATE | Abi.MAP_ANONYMOUS | Abi.MAP_HUGETLB | (log2 << Abi.MAP_HUGE_SHIFT), -1, 0);
        if (a < 0) {
            throw UffdException.of("mmap(MAP_HUGETLB)", (int) -a,
                    "mapping " + size + " bytes of " + (hugePageSize >> 10) + " KiB huge pages (is the hugetlb pool big enough? see ./uffd4j doctor)");
        }
        return new Mapping(a, size, hugePageSize, Kind.HUGETLB, "hugetlb");
    }

    /** An inaccessible (PROT_NONE) reservation of address space, e.g. a target for {@link #moveTo}. */
    public static Mapping reserve(long size, long alignment) {
        checkSize("mmap(PROT_NONE)", size, PageSizes.base());
        long a = mapAligned(size, alignment, Abi.PROT_NONE, Abi.MAP_PRIVATE | Abi.MAP_ANONYMOUS | Abi.MAP_NORESERVE, -1);
        return new Mapping(a, size, PageSizes.base(), Kind.RESERVATION, "reservation");
    }

    static Mapping sharedFile(int fd, long offset, long size, long pageSize, boolean hugetlb, String name) {
        long a = Libc.mmap(0, size, Abi.PROT_READ | Abi.PROT_WRITE, Abi.MAP_SHARED, fd, offset);
        if (a < 0) {
            throw UffdException.of("mmap(MAP_SHARED)", (int) -a, "mapping memfd " + name);
        }
        return new Mapping(a, size, pageSize, hugetlb ? Kind.SHARED_HUGETLB_MEMFD : Kind.SHARED_MEMFD, "memfd " + name);
    }

    private static long mapAligned(long size, long alignment, int prot, int flags, int fd) {
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("mmap: alignment must be a power of two, was " + alignment + " (accepted: 4096, 2097152, ...)");
        }
        long base = PageSizes.base();
        long extra = alignment > base ? alignment : 0;
        long a = Libc.mmap(0, size + extra, prot, flags, fd, 0);
        if (a < 0) {
            throw UffdException.of("mmap", (int) -a, "mapping " + size + " bytes");
        }
        if (extra == 0) {
            return a;
        }
        long aligned = (a + alignment - 1) & -alignment;
        if (aligned > a) {
            Libc.munmap(a, aligned - a);
        }
        long tail = (a + size + extra) - (aligned + size);
        if (tail > 0) {
            Libc.munmap(aligned + size, tail);
        }
        return aligned;
    }

    /** Larger than any user address space (x86-64 and arm64: 2^47 bytes); refused before mmap, whose length would overflow. */
    public static final long MAX_SIZE = 1L << 47;

    private static void checkSize(String op, long size, long pageSize) {
        if (size <= 0 || size % pageSize != 0 || size > MAX_SIZE) {
            throw new RangeArgumentException(op, 0, size,
                    op + ": size " + size + " must be a positive multiple of the page size " + pageSize
                            + " (accepted: " + pageSize + " to " + MAX_SIZE + " bytes in whole pages)");
        }
    }

    public long address() {
        return address;
    }

    public long size() {
        return size;
    }

    public long end() {
        return address + size;
    }

    /** The page size of this mapping (huge page size for hugetlb). */
    public long pageSize() {
        return pageSize;
    }

    public Kind kind() {
        return kind;
    }

    public boolean isOpen() {
        synchronized (this) {
            return !closed;
        }
    }

    /** Whether a fault handler thread of this JVM serves this mapping (raw access is refused). */
    public boolean servedInProcess() {
        synchronized (this) {
            return servedInProcess > 0;
        }
    }

    /**
     * The mapping as a segment, valid until {@link #close()} or until a handler thread of this JVM
     * starts serving it.
     *
     * @throws UnguardedAccessException while served in-process
     */
    public MemorySegment segment() {
        synchronized (this) {
            if (servedInProcess > 0) {
                throw new UnguardedAccessException("raw access to " + this + " is refused: a fault handler "
                        + "thread of this JVM serves it, and a fault taken from Java code can deadlock the "
                        + "next safepoint. Use GuardedMemory, serve it from another process (uffd4j-pager), or "
                        + "opt out with unguardedSegment(UnguardedAccess.I_ACCEPT_THE_SAFEPOINT_DEADLOCK_RISK)");
            }
            return viewLocked();
        }
    }

    /** The mapping as a segment even while served in-process: the documented opt-out. */
    public MemorySegment unguardedSegment(UnguardedAccess acknowledgement) {
        Objects.requireNonNull(acknowledgement, "acknowledgement");
        synchronized (this) {
            return viewLocked();
        }
    }

    /**
     * Invalidates every segment handed out so far (their arena is closed: later accesses through them
     * throw IllegalStateException). {@link #segment()} hands out a fresh one afterwards. Used before
     * tearing down what serves the mapping, so that no access can see the range half torn down.
     */
    public void revokeSegments() {
        synchronized (this) {
            invalidateViewLocked();
        }
    }

    /** A segment for the given part of the mapping (same rules as {@link #segment()}). */
    public MemorySegment segment(long offset, long length) {
        return segment().asSlice(offset, length);
    }

    private MemorySegment viewLocked() {
        ensureOpen("segment");
        if (view == null) {
            viewArena = Arena.ofShared();
            view = NativeMemory.segment(address, size, viewArena);
        }
        return view;
    }

    private void invalidateViewLocked() {
        if (viewArena != null) {
            viewArena.close();
            viewArena = null;
            view = null;
        }
    }

    private synchronized void enterServed() {
        ensureOpen("serve");
        if (servedInProcess > 0) {
            // Two servers on one userfaultfd would both be accepted by the kernel, and the first to close
            // would unregister the range under the other: its never-served pages would then read as zeros.
            throw new IllegalStateException("serve refused: " + this + " is already served by a fault server of "
                    + "this JVM; close that server first");
        }
        servedInProcess++;
        invalidateViewLocked();
    }

    private synchronized void leaveServed() {
        if (servedInProcess > 0) {
            servedInProcess--;
        }
    }

    private void ensureOpen(String op) {
        if (closed) {
            throw new ClosedException(op, op + " on a closed " + this);
        }
    }

    /** madvise over the whole mapping. */
    public void advise(Advice advice) {
        advise(0, size, advice);
    }

    /** madvise over [offset, offset + length) of the mapping. */
    public void advise(long offset, long length, Advice advice) {
        checkPart("madvise(MADV_" + advice.name() + ")", offset, length);
        synchronized (this) {
            ensureOpen("madvise");
        }
        Memory.madvise(address + offset, length, advice);
    }

    /**
     * mremap(MREMAP_MAYMOVE | MREMAP_DONTUNMAP): moves this mapping's pages to a new range and leaves
     * this range mapped but empty (private anonymous memory then faults as missing, which is how a
     * compactor or a userfaultfd handler takes over a range). Returns the mapping that now holds the pages.
     */
    public Mapping moveOutKeepingRange() {
        synchronized (this) {
            ensureOpen("mremap");
        }
        long a = Libc.mremap(address, size, size, Abi.MREMAP_MAYMOVE | Abi.MREMAP_DONTUNMAP, 0);
        if (a < 0) {
            throw UffdException.of("mremap(MREMAP_DONTUNMAP)", Errnos.errno(a),
                    "moving the pages of " + this + " out (private anonymous mappings only before Linux 5.13)");
        }
        return new Mapping(a, size, pageSize, kind, description + " (moved out)");
    }

    /**
     * mremap(MREMAP_MAYMOVE | MREMAP_FIXED): moves this mapping, pages and all, onto {@code target}'s
     * address (same size), replacing it. Both objects are spent; the returned mapping owns the range.
     */
    public Mapping moveTo(Mapping target) {
        if (target.size != size) {
            throw new RangeArgumentException("mremap", target.address, target.size,
                    "mremap: target size " + target.size + " differs from " + size);
        }
        synchronized (this) {
            ensureOpen("mremap");
            if (servedInProcess > 0) {
                throw new IllegalStateException("cannot move " + this + " while a fault server serves it");
            }
        }
        synchronized (target) {
            // A closed target's range may belong to a newer mapping by now: MREMAP_FIXED would replace it.
            target.ensureOpen("mremap");
        }
        long a = Libc.mremap(address, size, size, Abi.MREMAP_MAYMOVE | Abi.MREMAP_FIXED, target.address);
        if (a < 0) {
            throw UffdException.of("mremap(MREMAP_FIXED)", Errnos.errno(a), "moving " + this + " onto " + target);
        }
        markMoved();
        target.markMoved();
        return new Mapping(a, size, pageSize, kind, description);
    }

    private synchronized void markMoved() {
        invalidateViewLocked();
        closed = true;
    }

    private void checkPart(String op, long offset, long length) {
        if (offset < 0 || length <= 0 || length > size - offset || offset % PageSizes.base() != 0
                || length % PageSizes.base() != 0) {
            throw new RangeArgumentException(op, address + offset, length, op + " refused for [0x"
                    + Long.toHexString(address + offset) + ", 0x" + Long.toHexString(address + offset + length)
                    + "): offsets [" + offset + ", " + (offset + length) + ") are not a page-aligned part of " + this);
        }
    }

    /**
     * Unmaps the range. Idempotent.
     *
     * @throws IllegalStateException while a fault handler of this JVM still serves it
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            if (servedInProcess > 0) {
                throw new IllegalStateException("close the FaultServer serving " + this + " first");
            }
            invalidateViewLocked();
            closed = true;
        }
        Libc.munmap(address, size);
    }

    @Override
    public String toString() {
        return "Mapping[" + description + " 0x" + Long.toHexString(address) + "+" + size + "]";
    }
}
