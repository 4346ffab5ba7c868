package io.uffd4j.serve;

import io.uffd4j.event.FaultKind;
import io.uffd4j.event.PageFault;
import io.uffd4j.mm.Mapping;

/**
 * The fault being handled: a mutable view reused for every fault on a server thread (no allocation).
 * Copy what you need; {@link #toRecord()} makes an immutable {@link PageFault}.
 */
public final class Fault {
    private long address;
    private FaultKind kind;
    private boolean write;
    private int threadId;
    private FaultServer.ServedRange range;
    private int attempt;
    private boolean deferred;

    Fault() {}

    void set(long address, FaultKind kind, boolean write, int threadId, FaultServer.ServedRange range, int attempt) {
        this.address = address;
        this.kind = kind;
        this.write = write;
        this.threadId = threadId;
        this.range = range;
        this.attempt = attempt;
        this.deferred = false;
    }

    /**
     * Says that this fault will be resolved later by another thread (which must wake the page), e.g.
     * because the handler waits for a resource it must not block the server thread on. The server then
     * neither counts a failure nor retries.
     */
    public void defer() {
        deferred = true;
    }

    boolean isDeferred() {
        return deferred;
    }

    /** The faulting address (exact with EXACT_ADDRESS, else the page start). */
    public long address() {
        return address;
    }

    /** Start of the faulting page (the range's page size: huge pages for hugetlb). */
    public long pageAddress() {
        return address & -range.pageSize;
    }

    /** Offset of the faulting page within its served range. */
    public long pageOffset() {
        return pageAddress() - range.start;
    }

    public long pageSize() {
        return range.pageSize;
    }

    /** Start of the served range holding the fault. */
    public long rangeStart() {
        return range.start;
    }

    public long rangeLength() {
        return range.length;
    }

    public FaultKind kind() {
        return kind;
    }

    public boolean isWrite() {
        return write;
    }

    /** The faulting thread's id (THREAD_ID feature), else 0. */
    public int threadId() {
        return threadId;
    }

    /** The served mapping that holds the fault; null for a range of another process. */
    public Mapping mapping() {
        return range.mapping;
    }

    /** 1 on the first call for this fault, higher when the server retries after a failure. */
    public int attempt() {
        return attempt;
    }

    public PageFault toRecord() {
        return new PageFault(address, kind, write, threadId);
    }

    @Override
    public String toString() {
        return kind + (write ? " write" : " read") + " fault at 0x" + Long.toHexString(address)
                + " in " + (range.mapping != null ? range.mapping.toString()
                : "[0x" + Long.toHexString(range.start) + "+" + range.length + "]") + (attempt > 1 ? " (attempt " + attempt + ")" : "");
    }
}
