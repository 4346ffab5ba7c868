package io.uffd4j.event;

import java.util.Objects;

/**
 * A page fault: the one fault type of uffd4j, whether it was decoded from a message
 * ({@code EventBatch.event}), handed to a fault handler, or reported to a listener.
 *
 * <p>Instances made with the constructor never change. A fault loop hands its handler one reused
 * instance per thread (so that serving a fault allocates nothing), refilled for each fault: a handler
 * that keeps a fault beyond its return keeps {@link #copy()}. Listeners always get copies.
 */
public non-sealed class PageFault implements UffdEvent {
    private long address;
    private FaultKind kind;
    private boolean write;
    private int threadId;
    private long pageSize;
    private long rangeStart;
    private int attempt;

    /**
     * A fault read outside a fault loop.
     *
     * @param address  the faulting address: exact with {@code Feature.EXACT_ADDRESS}, else the page start
     * @param kind     missing, write-protect or minor
     * @param write    whether the access was a write
     * @param threadId the faulting thread's id ({@code Feature.THREAD_ID}), else 0
     * @param pageSize the page size of the range (a power of two)
     */
    public PageFault(long address, FaultKind kind, boolean write, int threadId, long pageSize) {
        if (pageSize <= 0 || Long.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("pageSize " + pageSize + " is not a power of two");
        }
        set(address, Objects.requireNonNull(kind, "kind"), write, threadId, pageSize, 0, 1);
    }

    /** For a fault loop's reused instance: filled by {@link #set} before each use. */
    protected PageFault() {
        this.kind = FaultKind.MISSING;
        this.pageSize = 4096;
        this.attempt = 1;
    }

    /** Refills a reused instance (fault loops only). */
    protected final void set(long address, FaultKind kind, boolean write, int threadId, long pageSize,
                             long rangeStart, int attempt) {
        this.address = address;
        this.kind = kind;
        this.write = write;
        this.threadId = threadId;
        this.pageSize = pageSize;
        this.rangeStart = rangeStart;
        this.attempt = attempt;
    }

    @Override
    public final EventType type() {
        return EventType.PAGEFAULT;
    }

    /** The faulting address (exact with EXACT_ADDRESS, else the page start). */
    public final long address() {
        return address;
    }

    public final FaultKind kind() {
        return kind;
    }

    /** Whether the access was a write. */
    public final boolean isWrite() {
        return write;
    }

    /** The faulting thread's id (THREAD_ID feature), else 0. */
    public final int threadId() {
        return threadId;
    }

    /** The page size of the range holding the fault (a huge page size for hugetlb ranges). */
    public final long pageSize() {
        return pageSize;
    }

    /** Start of the faulting page. */
    public final long pageAddress() {
        return address & -pageSize;
    }

    /** The start of the page of size {@code pageSize} that holds {@link #address()}. */
    public final long pageAddress(long pageSize) {
        return address & -pageSize;
    }

    /**
     * Start of the served range holding the fault; 0 for a fault decoded outside a fault loop, which
     * knows no range.
     */
    public final long rangeStart() {
        return rangeStart;
    }

    /** Offset of the faulting page within its served range (its address when no range is known). */
    public final long pageOffset() {
        return pageAddress() - rangeStart;
    }

    /** 1 on the first attempt to serve this fault, higher when a fault loop retries it after a failure. */
    public final int attempt() {
        return attempt;
    }

    /** An instance that never changes, with the same values. */
    public final PageFault copy() {
        PageFault c = new PageFault(address, kind, write, threadId, pageSize);
        c.rangeStart = rangeStart;
        c.attempt = attempt;
        return c;
    }

    @Override
    public final boolean equals(Object o) {
        return o instanceof PageFault f && f.address == address && f.kind == kind && f.write == write
                && f.threadId == threadId && f.pageSize == pageSize && f.rangeStart == rangeStart && f.attempt == attempt;
    }

    @Override
    public final int hashCode() {
        return Objects.hash(address, kind, write, threadId, pageSize, rangeStart, attempt);
    }

    @Override
    public String toString() {
        return kind + (write ? " write" : " read") + " fault at 0x" + Long.toHexString(address)
                + (threadId != 0 ? " by thread " + threadId : "") + (attempt > 1 ? " (attempt " + attempt + ")" : "");
    }
}
