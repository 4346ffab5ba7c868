package io.uffd4j.event;

/**
 * Pages in [start, end) were dropped with madvise(MADV_DONTNEED or MADV_REMOVE); they will fault
 * again as missing on the next access.
 */
public record RemoveEvent(long start, long end) implements UffdEvent {
    @Override
    public EventType type() {
        return EventType.REMOVE;
    }
}
