package io.uffd4j.pager.protocol;

import io.uffd4j.pager.RegionStats;

/**
 * The messages of the pager protocol (one SOCK_SEQPACKET message each, descriptors attached with
 * SCM_RIGHTS where noted). Application ↔ supervisor and supervisor ↔ worker use the same messages.
 */
public sealed interface Message {
    /** Serve a region. Descriptors: the userfaultfd, then the memfd for SHARED_MEMFD regions. */
    record Open(long token, long regionId, RegionSpec spec, boolean recovering, boolean poisonAll) implements Message {}

    record Opened(long token, long regionId) implements Message {}

    record OpenFailed(long token, String reason) implements Message {}

    /** Stop serving a region and release everything held for it. */
    record Close(long regionId) implements Message {}

    record Closed(long regionId) implements Message {}

    record StatsRequest(long regionId) implements Message {}

    record Stats(long regionId, RegionStats stats) implements Message {}

    /** A page was given up on (and poisoned), or a region failed as a whole (offset -1). */
    record Failure(long regionId, long offset, String reason) implements Message {}

    /** Supervisor → worker liveness check. */
    record Heartbeat(long sequence) implements Message {}

    /** Worker → supervisor: alive; the region busiest for longest and for how long (0: all idle). */
    record HeartbeatReply(long sequence, long busyRegionId, long busyNanos) implements Message {}

    /** Supervisor → application on connect: the processes serving it. */
    record Hello(long supervisorPid, long workerPid) implements Message {}
}
