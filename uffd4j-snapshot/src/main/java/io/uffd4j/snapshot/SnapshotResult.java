package io.uffd4j.snapshot;

import io.uffd4j.snapshot.image.ImageKind;

import java.nio.file.Path;

/**
 * A completed snapshot image.
 *
 * @param path            the image file
 * @param kind            full or delta
 * @param dataPages       pages stored with contents
 * @param zeroPages       pages recorded as zero
 * @param inheritedPages  pages a delta takes from its parent
 * @param fileSize        bytes on disk
 * @param savedByFault    pages saved because a writer touched them during the snapshot (full only)
 * @param savedBySaver    pages saved in the background (full only)
 * @param deferredFaults  writer faults that waited for buffer space: throttling (full only)
 * @param peakBufferBytes most snapshot buffer in use (full only)
 * @param totalNanos      from the instant to the completed image (full only)
 * @param timeline        when the background saver finished, the last page was written and the image synced (full only)
 * @param trackingPauseNanos how long the application was stopped after the image, to move the region to dirty
 *                        tracking for the next delta (full snapshots of dirty-tracked regions only; 0 otherwise)
 */
public record SnapshotResult(Path path, ImageKind kind, long dataPages, long zeroPages, long inheritedPages, long fileSize,
                             long savedByFault, long savedBySaver, long deferredFaults, long peakBufferBytes, long totalNanos,
                             String timeline, long trackingPauseNanos) {
    public SnapshotResult {
        java.util.Objects.requireNonNull(path, "path");
        java.util.Objects.requireNonNull(kind, "kind");
        timeline = timeline == null ? "" : timeline;
    }

}
