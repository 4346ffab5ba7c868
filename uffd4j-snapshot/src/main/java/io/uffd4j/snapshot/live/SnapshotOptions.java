package io.uffd4j.snapshot.live;

/**
 * How a live snapshot uses memory and I/O.
 *
 * @param bufferBytes memory for pages saved but not yet written to the image. When it is full, a writer
 *                    that faults on a page not yet saved waits for the image writer (throttling) instead
 *                    of memory growing: peak extra memory is bounded by this.
 * @param runPages    pages the background saver reads and unprotects per step (amortizes the calls)
 * @param unprotectSaved whether the background saver unprotects what it saved (default). Off keeps every
 *                    page not written since the instant protected after the snapshot, so that the next
 *                    write to it is still seen (the start of dirty tracking for incremental snapshots).
 */
public record SnapshotOptions(long bufferBytes, int runPages, boolean unprotectSaved) {
    public SnapshotOptions {
        if (bufferBytes < 64 * 1024) {
            throw new IllegalArgumentException("buffer must be at least 64 KiB, was " + bufferBytes);
        }
        if (runPages < 1 || runPages > 1024) {
            throw new IllegalArgumentException("runPages must be 1..1024, was " + runPages);
        }
    }

    public SnapshotOptions(long bufferBytes, int runPages) {
        this(bufferBytes, runPages, true);
    }

    /** 64 MiB of buffer, runs of 64 pages, saved pages unprotected. */
    public static SnapshotOptions defaults() {
        return new SnapshotOptions(64L << 20, 64, true);
    }

    public SnapshotOptions withUnprotectSaved(boolean on) {
        return new SnapshotOptions(bufferBytes, runPages, on);
    }
}
