package io.uffd4j.pager.region;

/**
 * What the pager did for one region. Latencies are the pager's service time per demand fault
 * (message read to ioctl done), in nanoseconds.
 */
public record RegionStats(
        long totalPages,
        long residentPages,
        long demandFaults,
        long minorFaults,
        long zeroFaults,
        long prefetchedPages,
        long alreadyPresent,
        long removedPages,
        long events,
        long readFailures,
        long poisonedPages,
        long faultP50Nanos,
        long faultP99Nanos,
        long faultMaxNanos,
        long fullyResidentAfterNanos,
        int pagerRestarts) {

    /** Whether every page not removed by the application has been filled. */
    public boolean fullyResident() {
        return fullyResidentAfterNanos >= 0;
    }

    public static RegionStats empty() {
        return new RegionStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0);
    }

    public RegionStats withRestarts(int restarts) {
        return new RegionStats(totalPages, residentPages, demandFaults, minorFaults, zeroFaults, prefetchedPages,
                alreadyPresent, removedPages, events, readFailures, poisonedPages, faultP50Nanos, faultP99Nanos,
                faultMaxNanos, fullyResidentAfterNanos, restarts);
    }
}
