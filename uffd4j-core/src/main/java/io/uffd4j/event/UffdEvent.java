package io.uffd4j.event;

/** A message read from a userfaultfd, decoded. */
public sealed interface UffdEvent permits PageFault, ForkEvent, RemapEvent, RemoveEvent, UnmapEvent, UnknownEvent {
    EventType type();
}
