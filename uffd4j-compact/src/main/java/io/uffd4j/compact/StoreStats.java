package io.uffd4j.compact;

/**
 * A store's state at one moment.
 *
 * @param liveRecords   records not freed
 * @param liveBytes     their bytes
 * @param top           end of the allocated part of the region (records are bump-allocated)
 * @param regionSize    size of the region
 * @param cycles        compaction cycles completed
 * @param cycleRunning  whether a cycle is in progress
 */
public record StoreStats(long liveRecords, long liveBytes, long top, long regionSize, int cycles,
                         boolean cycleRunning) {

    /** Share of the allocated part that is garbage (freed records, padding): what compaction can reclaim. */
    public double fragmentation() {
        return top == 0 ? 0 : 1 - (double) liveBytes / top;
    }
}
