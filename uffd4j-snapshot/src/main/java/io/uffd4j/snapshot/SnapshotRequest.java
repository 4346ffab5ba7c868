package io.uffd4j.snapshot;

import java.nio.file.Path;
import java.util.Objects;

/** What {@link Snapshotter} asks of the snapshot extension in the pager worker (see {@link SnapshotProtocol}). */
public sealed interface SnapshotRequest {
    /** Take a full snapshot into {@code target} (absolute, a new file). */
    record Full(Path target, long bufferBytes, int runPages, Quiesce quiesce) implements SnapshotRequest {
        public Full {
            requireAbsolute(target);
            Objects.requireNonNull(quiesce, "quiesce");
            new Snapshotter.Options(bufferBytes, runPages, quiesce); // the same bounds as the application's options
        }
    }

    /** Write the pages changed since the previous image into {@code target} (absolute), next to that image. */
    record Delta(Path target, Quiesce quiesce) implements SnapshotRequest {
        public Delta {
            requireAbsolute(target);
            Objects.requireNonNull(quiesce, "quiesce");
        }
    }

    /** How far the running full snapshot is. */
    record Status() implements SnapshotRequest {}

    private static void requireAbsolute(Path target) {
        Objects.requireNonNull(target, "target");
        if (!target.isAbsolute()) {
            throw new IllegalArgumentException("a snapshot target must be an absolute path: " + target);
        }
    }
}
