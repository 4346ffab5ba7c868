package io.uffd4j.pager.protocol;

import io.uffd4j.pager.Backing;
import io.uffd4j.pager.Prefetch;
import io.uffd4j.pager.source.SourceSpec;

import java.util.Set;

/**
 * Everything the pager needs to serve a region besides its descriptors: where it is in the
 * application's address space, what backs it, where pages come from and how to prefetch.
 */
public record RegionSpec(
        long start,
        long length,
        long pageSize,
        Backing backing,
        Set<String> features,
        SourceSpec source,
        Prefetch prefetch,
        String recordFirstTouch,
        String replayFrom,
        int attempts,
        int applicationPid) {
}
