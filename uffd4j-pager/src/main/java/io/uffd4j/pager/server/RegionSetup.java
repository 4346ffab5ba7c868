package io.uffd4j.pager.server;

import io.uffd4j.Userfaultfd;
import io.uffd4j.mm.Mapping;
import io.uffd4j.pager.protocol.RegionSpec;
import io.uffd4j.pager.source.PageSource;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Everything a {@link RegionServer} serves with.
 *
 * @param id         the region's id (a forked child's server carries its parent's)
 * @param spec       what the application registered
 * @param uffd       the region's userfaultfd (the server closes it)
 * @param tracking   the descriptor a snapshot extension moves the range to, or null
 * @param source     where the pages come from
 * @param ownsSource whether the server (and its forked children's servers) close the source
 * @param view       the pager's mapping of a shared memfd region (page-cache writes), or null
 * @param journal    a shared memfd region's journal of the page-cache run being written, or null
 * @param recovering a previous server of this region died: finish its work and wake every waiter first
 * @param poisonAll  every fault fails at once (the pager gave up on this region)
 * @param child      a forked child's copy: served on demand only, smaller buffers, ends with the child
 * @param reporter   where failures and forked children are reported
 */
record RegionSetup(long id, RegionSpec spec, Userfaultfd uffd, Userfaultfd tracking, PageSource source,
                   boolean ownsSource, Mapping view, MemorySegment journal, boolean recovering, boolean poisonAll,
                   boolean child, RegionServer.Reporter reporter) {
    RegionSetup {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(uffd, "uffd");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(reporter, "reporter");
    }

    /** A forked child's copy of this region, served from {@code childUffd} with the same source. */
    RegionSetup forChild(Userfaultfd childUffd, boolean recoveringChild) {
        return new RegionSetup(id, spec, childUffd, null, source, false, null, null, recoveringChild, poisonAll, true, reporter);
    }
}
