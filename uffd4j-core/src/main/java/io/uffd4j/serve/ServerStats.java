package io.uffd4j.serve;

/**
 * Counters of a {@link FaultServer} since it started.
 *
 * @param missingFaults      MISSING faults handled
 * @param writeProtectFaults write-protect faults handled
 * @param minorFaults        MINOR faults handled
 * @param events             non-cooperative events (fork, remap, remove, unmap)
 * @param removeEvents       REMOVE events among them
 * @param races              faults another thread had already resolved (EEXIST; the page was woken)
 * @param retries            resolutions retried after a pending event (EAGAIN)
 * @param handlerFailures    handler exceptions, errors, or returns without resolving
 * @param gaveUp             faults given up under the failure policy
 * @param poisoned           pages poisoned on giving up
 * @param serviceTime        from reading the message to the handler's return (the server's share of the fault latency)
 */
public record ServerStats(long missingFaults, long writeProtectFaults, long minorFaults, long events,
                          long removeEvents, long races, long retries, long handlerFailures, long gaveUp,
                          long poisoned, LatencySummary serviceTime) {
    public long faults() {
        return missingFaults + writeProtectFaults + minorFaults;
    }
}
