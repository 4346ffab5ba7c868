package io.uffd4j.event;

/**
 * A page fault.
 *
 * @param address  the faulting address: exact with {@code Feature.EXACT_ADDRESS}, else the page start
 * @param kind     missing, write-protect or minor
 * @param write    whether the access was a write
 * @param threadId the faulting thread's id ({@code Feature.THREAD_ID}), else 0
 */
public record PageFault(long address, FaultKind kind, boolean write, int threadId) implements UffdEvent {
    @Override
    public EventType type() {
        return EventType.PAGEFAULT;
    }

    /** The start of the page of size {@code pageSize} that holds {@link #address()}. */
    public long pageAddress(long pageSize) {
        return address & -pageSize;
    }
}
