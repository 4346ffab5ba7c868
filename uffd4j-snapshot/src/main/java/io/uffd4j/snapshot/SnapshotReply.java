package io.uffd4j.snapshot;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** The snapshot extension's answers, one per {@link SnapshotRequest} (see {@link SnapshotProtocol}). */
public sealed interface SnapshotReply {
    /**
     * A full snapshot's instant has passed (the image is being written). The pause is the whole time the
     * application was stopped; its parts: stopping it, moving the region back from the tracking descriptor,
     * write-protecting it (arm), and the present-page scan.
     */
    record InstantTaken(Instant at, Duration pause, Duration stop, Duration switchRegistration, Duration arm, Duration scan)
            implements SnapshotReply {
        public InstantTaken {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(pause, "pause");
            Objects.requireNonNull(stop, "stop");
            Objects.requireNonNull(switchRegistration, "switchRegistration");
            Objects.requireNonNull(arm, "arm");
            Objects.requireNonNull(scan, "scan");
        }
    }

    /**
     * A delta image was written while the application was quiesced for {@code pause}: the dirty-page scan,
     * the present-page scan and the copy; completing the image (index, sync) came after.
     */
    record DeltaWritten(SnapshotResult image, Duration pause, Duration scan, Duration presentScan, Duration copy,
                        Duration complete, long dirtyPages) implements SnapshotReply {
        public DeltaWritten {
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(pause, "pause");
            Objects.requireNonNull(scan, "scan");
            Objects.requireNonNull(presentScan, "presentScan");
            Objects.requireNonNull(copy, "copy");
            Objects.requireNonNull(complete, "complete");
            if (dirtyPages < 0) {
                throw new IllegalArgumentException("negative dirtyPages " + dirtyPages);
            }
        }
    }

    /** Where the region stands, and the running full snapshot's progress (zeros when none runs). */
    record Status(RegionState state, Optional<Path> lastImage, long pages, long saved, long savedByFault, long deferredFaults)
            implements SnapshotReply {
        public Status {
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(lastImage, "lastImage");
        }
    }

    /** Where a region stands with respect to snapshots. */
    enum RegionState {
        /** Registered with the main descriptor, nothing protected. */
        IDLE,
        /** A full snapshot is saving pages. */
        SNAPSHOTTING,
        /** A full snapshot completed; unwritten pages stay protected, writes are recorded as dirty. */
        SYNC_TRACKING,
        /** Registered with the WP_ASYNC descriptor: dirty pages are read with PAGEMAP_SCAN. */
        ASYNC_TRACKING
    }
}
