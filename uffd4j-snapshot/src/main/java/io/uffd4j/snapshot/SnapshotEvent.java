package io.uffd4j.snapshot;

import java.nio.file.Path;
import java.util.Objects;

/** What the snapshot extension reports later, when a full snapshot ends (see {@link SnapshotProtocol}). */
public sealed interface SnapshotEvent {
    /** The full image is complete; {@code tracking} says whether dirty tracking for deltas started after it. */
    record Done(SnapshotResult image, Tracking tracking, String trackingFailure) implements SnapshotEvent {
        public Done {
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(tracking, "tracking");
            trackingFailure = trackingFailure == null ? "" : trackingFailure;
        }
    }

    /** The full snapshot into {@code target} was abandoned; no image was completed. */
    record Failed(Path target, String reason) implements SnapshotEvent {
        public Failed {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Dirty tracking after a full snapshot. */
    enum Tracking {
        /** The region has no tracking descriptor. */
        NOT_REQUESTED,
        ON,
        /** Starting it failed ({@code trackingFailure} says why): the next delta will be refused. */
        FAILED
    }
}
