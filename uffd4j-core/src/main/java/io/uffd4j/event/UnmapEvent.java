package io.uffd4j.event;

/** [start, end) of a registered range was unmapped with munmap(2) (or replaced by mremap). */
public record UnmapEvent(long start, long end) implements UffdEvent {
    @Override
    public EventType type() {
        return EventType.UNMAP;
    }
}
