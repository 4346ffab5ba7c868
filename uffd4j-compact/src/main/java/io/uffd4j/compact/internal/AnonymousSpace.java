package io.uffd4j.compact.internal;

import io.uffd4j.Feature;
import io.uffd4j.RegisterMode;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;

import java.util.EnumSet;
import java.util.Set;

/**
 * A private anonymous region (COPY, MOVE, ADAPTIVE). A flip is mremap(MREMAP_DONTUNMAP): the page
 * tables move to a new from-space mapping in one call and the region stays mapped, empty.
 *
 * <p>The region is MADV_DONTFORK (the flag follows the pages into the from-space), so a fork cannot
 * make its pages shared, which UFFDIO_MOVE refuses with EBUSY; and MADV_NOHUGEPAGE, because the
 * cycle produces base pages one at a time.
 */
final class AnonymousSpace implements Space {
    private final Set<Feature> features;
    private Mapping region;

    AnonymousSpace(long size, boolean needsMove) {
        this.features = needsMove ? EnumSet.of(Feature.MOVE) : EnumSet.noneOf(Feature.class);
        // 2 MiB aligned: mremap can then move whole page tables instead of one entry at a time.
        Mapping m = Mapping.anonymous(size, 2L << 20);
        try {
            m.advise(Advice.DONTFORK);
            m.advise(Advice.NOHUGEPAGE);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        this.region = m;
    }

    @Override
    public Mapping region() {
        return region;
    }

    @Override
    public long size() {
        return region.size();
    }

    @Override
    public Set<RegisterMode> registerModes() {
        return EnumSet.of(RegisterMode.MISSING);
    }

    @Override
    public Set<Feature> features() {
        return features;
    }

    @Override
    public FromSpace flip() {
        Mapping from = region.moveOutKeepingRange();
        return new FromSpace(from, from.segment(), null, null, 0);
    }

    @Override
    public void unflip(FromSpace from) {
        region = from.pages().moveTo(region);
    }

    @Override
    public void release(FromSpace from) {
        from.pages().close();
    }

    @Override
    public void close() {
        region.close();
    }
}
