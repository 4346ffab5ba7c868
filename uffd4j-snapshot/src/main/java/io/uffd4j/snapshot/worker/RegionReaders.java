package io.uffd4j.snapshot.worker;

import io.uffd4j.ipc.ProcessMemory;
import io.uffd4j.mm.Memory;
import io.uffd4j.pager.source.PageReadException;
import io.uffd4j.pager.spi.RegionContext;
import io.uffd4j.snapshot.live.PageReader;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * How the pager reads a region's contents for a snapshot, never faulting on it:
 * <ul>
 *   <li>present pages: process_vm_readv from the application (a present page reads without a fault,
 *       and a write-protected one cannot change under the read);</li>
 *   <li>absent pages: what the application would get on its next touch, which is the source's page,
 *       or, for a shared memfd region, the page cache when the page is still there.</li>
 * </ul>
 */
final class RegionReaders implements AutoCloseable {
    private final RegionContext region;
    private final ProcessMemory application;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment residency;

    RegionReaders(RegionContext region) {
        this.region = region;
        this.application = ProcessMemory.of(region.applicationPid());
        this.residency = arena.allocate(1024, 8);
    }

    /** Reads present pages out of the application process. */
    PageReader present() {
        long start = region.start();
        long page = region.pageSize();
        return (first, n, dst) -> {
            long got = application.readScattered(start + first * page, dst, n, page);
            if (got != n * page) {
                throw new IOException("read " + got + " of " + n * page + " bytes of pages " + first + "+" + n
                        + " from the application (a page disappeared under the snapshot)");
            }
        };
    }

    /** Reads what absent pages hold: the page cache of a shared region if the page is there, else the source. */
    PageReader absent() {
        long page = region.pageSize();
        MemorySegment view = region.sharedView();
        return (first, n, dst) -> {
            if (view != null) {
                Memory.residency(view.address() + first * page, n * page, residency.asSlice(0, n));
            }
            for (int k = 0; k < n; k++) {
                long offset = (first + k) * page;
                if (view != null && (residency.get(JAVA_BYTE, k) & 1) != 0) {
                    MemorySegment.copy(view, offset, dst[k], 0, page);
                    continue;
                }
                try {
                    region.source().read(offset, dst[k], 0, page);
                } catch (PageReadException e) {
                    throw new IOException("the region's source cannot give page " + (first + k) + ": " + e.getMessage(), e);
                }
            }
        };
    }

    @Override
    public void close() {
        application.close();
        arena.close();
    }
}
