package io.uffd4j.snapshot.live;

/**
 * What a live snapshot did.
 *
 * @param pages            pages in the region
 * @param savedByFault     pages saved because a writer touched them first (copy-on-write)
 * @param savedBySaver     pages saved by the background saver
 * @param zeroAtInstant    pages absent at the snapshot instant (recorded without reading)
 * @param deferredFaults   write faults that had to wait for buffer space (throttled)
 * @param peakBufferBytes  most buffer memory in use at once
 * @param armNanos         time to write-protect the region (part of the pause)
 * @param totalNanos       from arming to the completed image
 */
public record SnapshotStats(long pages, long savedByFault, long savedBySaver, long zeroAtInstant, long deferredFaults,
                            long peakBufferBytes, long armNanos, long totalNanos) {}
