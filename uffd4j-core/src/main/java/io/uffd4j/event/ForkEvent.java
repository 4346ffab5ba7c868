package io.uffd4j.event;

import io.uffd4j.ipc.OwnedFd;

/**
 * The process forked and the child inherited registered ranges; {@code child} is the descriptor of
 * a new userfaultfd for the child's copy of them. The receiver owns it: adopt it with the parent's
 * {@code Userfaultfd.adoptFork(ForkEvent)} (same features), or close it.
 */
public record ForkEvent(OwnedFd child) implements UffdEvent {
    @Override
    public EventType type() {
        return EventType.FORK;
    }
}
