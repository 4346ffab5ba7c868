package io.uffd4j.event;

/** A registered range was moved with mremap(2) from {@code from} to {@code to}. */
public record RemapEvent(long from, long to, long length) implements UffdEvent {
    @Override
    public EventType type() {
        return EventType.REMAP;
    }
}
