package io.uffd4j.pager.protocol;

import io.uffd4j.pager.region.RegionStats;

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

    /**
     * Worker → supervisor: a forked child's copy of region {@code parentRegionId} is served under
     * {@code key} (negative, unique in this worker). Descriptor: the child's userfaultfd, which exists
     * nowhere else, so that a next worker (or the guardian) can serve the child after this one dies.
     */
    record ChildAdopted(long parentRegionId, long key, RegionSpec spec) implements Message {}

    /** Worker → supervisor: the forked child served under {@code key} is gone (exited or exec'd). */
    record ChildEnded(long key) implements Message {}

    /**
     * Supervisor → worker or guardian: serve a forked child's copy of region {@code parentRegionId}, whose
     * previous server died, under {@code regionId}. Descriptor: the child's userfaultfd.
     */
    record AdoptChild(long regionId, long parentRegionId, RegionSpec spec, boolean poisonAll) implements Message {}

    /** Supervisor → application on connect: the processes serving it (-1: none at the moment). */
    record Hello(long supervisorPid, long workerPid, long guardianPid) implements Message {}

    /**
     * Supervisor → guardian: the worker now serving the regions (-1 while none does), which the guardian
     * kills before it takes the regions over.
     */
    record Standby(long workerPid) implements Message {}

    /**
     * Application → worker (through the supervisor): a request to the region extension {@code extension}
     * (a class name, created in the worker on first use), encoded by that extension's codec.
     */
    record ExtensionRequest(long regionId, long token, String extension, Payload request) implements Message {}

    /**
     * Worker → application: the answer to an {@link ExtensionRequest}: the encoded reply, or (not ok) the
     * failure's message.
     */
    record ExtensionReply(long regionId, long token, boolean ok, Payload reply, String error) implements Message {
        public ExtensionReply {
            error = error == null ? "" : error;
        }

        public static ExtensionReply failed(long regionId, long token, String error) {
            return new ExtensionReply(regionId, token, false, Payload.EMPTY, error);
        }
    }

    /** Worker → application: something an extension reports later (e.g. a snapshot completed), encoded by its codec. */
    record ExtensionEvent(long regionId, String extension, Payload event) implements Message {}

    /** Supervisor → application: a worker restart dropped every extension of the region. */
    record ExtensionsLost(long regionId, String reason) implements Message {}
}
