package io.uffd4j.compact.internal;

import io.uffd4j.Feature;
import io.uffd4j.RegisterMode;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.Memfd;

import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;

/**
 * A region backed by a memfd twice its size (CONTINUE). The region maps one half; each half also has
 * a second, never registered view. A flip maps the other, empty half at the region's address (so
 * every page faults MISSING until a page-cache page exists for it, then MINOR); compacted pages are
 * written into the page cache through the empty half's second view and mapped with UFFDIO_CONTINUE.
 * Releasing the from-space punches the old half out of the file.
 */
final class MemfdSpace implements Space {
    private final Memfd file;
    private final long size;
    private final Mapping[] views = new Mapping[2];
    private final MemorySegment[] viewSegments = new MemorySegment[2];
    private Mapping region;
    private int live;

    MemfdSpace(long size) {
        this.size = size;
        this.file = Memfd.create("uffd4j-compact", 2 * size);
        try {
            views[0] = file.map(0, size);
            views[1] = file.map(size, size);
            viewSegments[0] = views[0].segment();
            viewSegments[1] = views[1].segment();
            region = file.map(0, size);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    @Override
    public Mapping region() {
        return region;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public Set<RegisterMode> registerModes() {
        return EnumSet.of(RegisterMode.MISSING, RegisterMode.MINOR);
    }

    @Override
    public Set<Feature> features() {
        return EnumSet.of(Feature.MISSING_SHMEM, Feature.MINOR_SHMEM);
    }

    @Override
    public FromSpace flip() {
        int from = live;
        int to = 1 - live;
        Mapping fresh = file.map(to * size, size);
        region = fresh.moveTo(region);
        live = to;
        return new FromSpace(views[from], viewSegments[from], views[to], viewSegments[to], from);
    }

    @Override
    public void unflip(FromSpace from) {
        Mapping back = file.map(from.half() * size, size);
        region = back.moveTo(region);
        live = from.half();
    }

    @Override
    public void release(FromSpace from) {
        file.punchHole(from.half() * size, size);
        // The compacted pages stay in the page cache; drop the build view's page-table entries for them
        // (MADV_DONTNEED on a shared mapping keeps the data) so that they are mapped once, by the region.
        from.target().advise(Advice.DONTNEED);
    }

    @Override
    public void close() {
        if (region != null) {
            region.close();
        }
        for (Mapping v : views) {
            if (v != null) {
                v.close();
            }
        }
        file.close();
    }
}
