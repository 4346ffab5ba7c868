package io.uffd4j.event;

import io.uffd4j.Userfaultfd;

/**
 * The process forked and the child inherited registered ranges; {@code child} is a new userfaultfd
 * for the child's copy of them. The receiver owns it and must close it.
 */
public record ForkEvent(Userfaultfd child) implements UffdEvent {
    @Override
    public EventType type() {
        return EventType.FORK;
    }
}
