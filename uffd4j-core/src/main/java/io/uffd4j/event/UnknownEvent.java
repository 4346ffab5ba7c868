package io.uffd4j.event;

/** A message whose type this version of uffd4j does not know; {@code code} is its event byte. */
public record UnknownEvent(int code) implements UffdEvent {
    @Override
    public EventType type() {
        return EventType.UNKNOWN;
    }
}
