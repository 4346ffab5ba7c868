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
    private Mapping mapping;
    private int attempt;

    Fault() {}

    void set(long address, FaultKind kind, boolean write, int threadId, Mapping mapping, int attempt) {
        this.address = address;
        this.kind = kind;
        this.write = write;
        this.threadId = threadId;
        this.mapping = mapping;
        this.attempt = attempt;
    }

    /** The faulting address (exact with EXACT_ADDRESS, else the page start). */
    public long address() {
        return address;
    }

    /** Start of the faulting page (the mapping's page size: huge pages for hugetlb). */
    public long pageAddress() {
        return address & -mapping.pageSize();
    }

    /** Offset of the faulting page within its mapping. */
    public long pageOffset() {
        return pageAddress() - mapping.address();
    }

    public long pageSize() {
        return mapping.pageSize();
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

    /** The served mapping that holds the fault. */
    public Mapping mapping() {
        return mapping;
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
                + " in " + mapping + (attempt > 1 ? " (attempt " + attempt + ")" : "");
    }
}
