package io.uffd4j.snapshot.live;

/**
 * How a live snapshot uses memory and I/O.
 *
 * @param bufferBytes memory for pages saved but not yet written to the image. When it is full, a writer
 *                    that faults on a page not yet saved waits for the image writer (throttling) instead
 *                    of memory growing: peak extra memory is bounded by this.
 * @param runPages    pages the background saver reads and unprotects per step (amortizes the calls)
 */
public record SnapshotOptions(long bufferBytes, int runPages) {
    public SnapshotOptions {
        if (bufferBytes < 64 * 1024) {
            throw new IllegalArgumentException("buffer must be at least 64 KiB, was " + bufferBytes);
        }
        if (runPages < 1 || runPages > 1024) {
            throw new IllegalArgumentException("runPages must be 1..1024, was " + runPages);
        }
    }

    /** 64 MiB of buffer, runs of 64 pages. */
    public static SnapshotOptions defaults() {
        return new SnapshotOptions(64L << 20, 64);
    }
}
