package io.uffd4j.pager.protocol;

import io.uffd4j.Feature;
import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.region.Prefetch;
import io.uffd4j.pager.source.SourceSpec;

import java.nio.file.Path;
import java.util.Set;

/**
 * Everything the pager needs to serve a region besides its descriptors: where it is in the
 * application's address space, what backs it, where pages come from and how to prefetch, and
 * whether it is registered for write-protect ({@code writeProtect}) and comes with a second,
 * asynchronous write-protect descriptor for dirty tracking ({@code tracking}). {@code recordFirstTouch}
 * and {@code replayFrom} are absolute paths, or null when not used.
 */
public record RegionSpec(
        long start,
        long length,
        long pageSize,
        Backing backing,
        Set<Feature> features,
        SourceSpec source,
        Prefetch prefetch,
        Path recordFirstTouch,
        Path replayFrom,
        int attempts,
        int applicationPid,
        boolean writeProtect,
        boolean tracking) {

    public RegionSpec {
        features = Set.copyOf(features);
    }

    /**
     * Whether the pager serves missing pages. A write-protectable private region whose source is zeros
     * is ordinary memory the application populates itself (with transparent huge pages), and the pager
     * only sees write-protect faults: a "not lazy" region that can still be snapshotted live.
     */
    public boolean servesMissing() {
        return !(writeProtect && backing == Backing.PRIVATE_ANONYMOUS && source.className().equals("zeros"));
    }

    /** The same region at another start address (after the application moved it with mremap). */
    public RegionSpec at(long newStart) {
        return new RegionSpec(newStart, length, pageSize, backing, features, source, prefetch, recordFirstTouch, replayFrom,
                attempts, applicationPid, writeProtect, tracking);
    }

    /** The register modes of the region. */
    public java.util.Set<io.uffd4j.RegisterMode> registerModes() {
        java.util.EnumSet<io.uffd4j.RegisterMode> m = java.util.EnumSet.noneOf(io.uffd4j.RegisterMode.class);
        if (servesMissing()) {
            m.add(io.uffd4j.RegisterMode.MISSING);
        }
        if (backing == Backing.SHARED_MEMFD) {
            m.add(io.uffd4j.RegisterMode.MINOR);
        }
        if (writeProtect) {
            m.add(io.uffd4j.RegisterMode.WP);
        }
        return m;
    }
}
