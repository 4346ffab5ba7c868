package io.uffd4j.pager.server;

import io.uffd4j.ContinueMode;
import io.uffd4j.CopyMode;
import io.uffd4j.Modes;
import io.uffd4j.Resolver;
import io.uffd4j.ZeroPageMode;
import io.uffd4j.error.Errno;
import io.uffd4j.mm.Memory;
import io.uffd4j.pager.source.PageSource;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Installs runs of a region's pages from its source: COPY (or ZEROPAGE) for private regions, a
 * page-cache write then CONTINUE for shared memfd regions. Pages already there are stepped over, never
 * replaced. Demand fills wake the faulting threads; background fills do not (DONTWAKE). Each run is one
 * whole-range call of the {@link Resolver}. Single-threaded; allocates nothing per run.
 */
final class PageFiller {
    private static final System.Logger LOG = System.getLogger(PageFiller.class.getName());

    enum Outcome {
        /** Every page of the run is there. */
        DONE,
        /** An event is pending (EAGAIN): read it, then try again. */
        RETRY,
        /** The source failed ({@link #lastFailure()} says how). */
        FAILED,
        /** The range or the application's address space is gone. */
        GONE
    }

    private static final Modes<CopyMode> COPY_WAKE = Modes.none();
    private static final Modes<CopyMode> COPY_DONTWAKE = Modes.of(CopyMode.DONTWAKE);
    private static final Modes<CopyMode> COPY_WP_WAKE = Modes.of(CopyMode.WP);
    private static final Modes<CopyMode> COPY_WP_DONTWAKE = Modes.of(CopyMode.WP, CopyMode.DONTWAKE);
    private static final Modes<ZeroPageMode> ZERO_WAKE = Modes.none();
    private static final Modes<ZeroPageMode> ZERO_DONTWAKE = Modes.of(ZeroPageMode.DONTWAKE);
    private static final Modes<ContinueMode> CONT_WAKE = Modes.none();
    private static final Modes<ContinueMode> CONT_DONTWAKE = Modes.of(ContinueMode.DONTWAKE);
    private static final Modes<ContinueMode> CONT_WP_WAKE = Modes.of(ContinueMode.WP);
    private static final Modes<ContinueMode> CONT_WP_DONTWAKE = Modes.of(ContinueMode.WP, ContinueMode.DONTWAKE);

    private final RegionPages pages;
    private final PageReader reader;
    private final PageSource source;
    private final PageCacheWriter cache;
    private final RegionControls controls;
    private final long pageSize;
    private final long viewAddress;
    private final MemorySegment residency;
    private final RunProgress progress = new RunProgress();
    private String lastFailure;

    /**
     * @param cache       the page-cache writer of a shared memfd region, or null for a private one
     * @param viewAddress the pager's mapping of the memfd (residency checks), 0 for a private region
     * @param residency   at least {@link RegionServer#MAX_RUN} bytes for mincore
     */
    PageFiller(RegionPages pages, PageReader reader, PageCacheWriter cache, RegionControls controls, long viewAddress,
               MemorySegment residency) {
        this.pages = pages;
        this.reader = reader;
        this.source = reader.source();
        this.cache = cache;
        this.controls = controls;
        this.pageSize = pages.pageSize;
        this.viewAddress = viewAddress;
        this.residency = residency;
    }

    String lastFailure() {
        return lastFailure;
    }

    /** Fills [page, page + n) from the source. */
    Outcome fill(long page, int n, boolean background, Resolver resolver) {
        return cache != null ? fillShared(page, n, background, resolver) : fillPrivate(page, n, background, resolver);
    }

    /** Maps [page, page + n), which are in the page cache, with CONTINUE (a minor fault: never rewrite the page). */
    Outcome mapCached(long page, int n, boolean background, Resolver resolver) {
        progress.begin(page, background, resolver);
        boolean wp = controls.protectFills;
        Errno e = resolver.continueAll(pages.base() + page * pageSize, n * pageSize,
                wp ? (background ? CONT_WP_DONTWAKE : CONT_WP_WAKE) : (background ? CONT_DONTWAKE : CONT_WAKE), progress, 0);
        return outcome(e);
    }

    private Outcome fillPrivate(long page, int n, boolean background, Resolver resolver) {
        long off = page * pageSize;
        long len = n * pageSize;
        long dst = pages.base() + off;
        boolean wp = controls.protectFills;
        progress.begin(page, background, resolver);
        if (source.isZero(off, len)) {
            pages.zeroFaults += background ? 0 : 1;
            if (!wp) {
                return outcome(resolver.zeroPageAll(dst, len, background ? ZERO_DONTWAKE : ZERO_WAKE, progress, 0));
            }
            // ZEROPAGE has no WP mode: copy zeros instead, so a later write is still caught.
            reader.buffer().asSlice(0, len).fill((byte) 0);
            return outcome(resolver.copyAll(dst, reader.buffer().address(), len, copyModes(wp, background), progress, 0));
        }
        long src = source.hasChecksums() ? 0 : source.directAddress(off, len);
        if (src == 0) {
            if (!reader.readVerified(off, len)) {
                lastFailure = reader.lastFailure();
                return Outcome.FAILED;
            }
            src = reader.buffer().address();
        }
        return outcome(resolver.copyAll(dst, src, len, copyModes(wp, background), progress, 0));
    }

    private static Modes<CopyMode> copyModes(boolean wp, boolean background) {
        return wp ? (background ? COPY_WP_DONTWAKE : COPY_WP_WAKE) : (background ? COPY_DONTWAKE : COPY_WAKE);
    }

    /** Writes the pages of the run that are not in the page cache yet, then maps the run. */
    private Outcome fillShared(long page, int n, boolean background, Resolver resolver) {
        long off = page * pageSize;
        Memory.residency(viewAddress + off, n * pageSize, residency);
        int i = 0;
        while (i < n) {
            if ((residency.get(JAVA_BYTE, i) & 1) != 0) {
                i++;
                continue;
            }
            int j = i + 1;
            while (j < n && (residency.get(JAVA_BYTE, j) & 1) == 0) {
                j++;
            }
            if (!cache.write(page + i, j - i)) {
                lastFailure = reader.lastFailure();
                return Outcome.FAILED;
            }
            i = j;
        }
        if (!background) {
            pages.zeroFaults += source.isZero(off, n * pageSize) ? 1 : 0;
        }
        return mapCached(page, n, background, resolver);
    }

    private Outcome outcome(Errno e) {
        return switch (e) {
            case NONE -> Outcome.DONE;
            case EAGAIN -> Outcome.RETRY;
            case ENOENT, ESRCH -> Outcome.GONE;
            default -> {
                if (!progress.failureSet) {
                    lastFailure = progress.resolver.failure().getMessage();
                }
                yield Outcome.FAILED;
            }
        };
    }

    /** Marks what a run installed; decides what each error means for the run. Reused for every run. */
    private final class RunProgress implements Resolver.RangeProgress {
        private long first;
        private boolean background;
        private Resolver resolver;
        private boolean failureSet;

        void begin(long firstPage, boolean inBackground, Resolver r) {
            this.first = firstPage;
            this.background = inBackground;
            this.resolver = r;
            this.failureSet = false;
        }

        @Override
        public long pageSize() {
            return pageSize;
        }

        @Override
        public void installed(long offset, long bytes) {
            pages.markFilled(first + offset / pageSize, bytes / pageSize, background);
        }

        @Override
        public void present(long offset) {
            pages.present(first + offset / pageSize);
            if (!background) {
                // Another thread's page (or ours, installed DONTWAKE by background fill): wake its waiters.
                Errno e = resolver.wake(pages.base() + (first + offset / pageSize) * pageSize, pageSize);
                if (e != Errno.NONE && e != Errno.ESRCH) {
                    LOG.log(System.Logger.Level.WARNING, "UFFDIO_WAKE failed: " + e);
                }
            }
        }

        @Override
        public long failed(Errno error, long offset) {
            long page = first + offset / pageSize;
            switch (error) {
                case ENOENT -> pages.dropped.set(page); // no longer registered or mapped: an UNMAP event is on its way
                case ESRCH -> pages.gone = true;
                case EFAULT -> {
                    // CONTINUE of a page no longer in the page cache (the application removed it): write it again.
                    if (cache != null) {
                        Memory.residency(viewAddress + page * pageSize, pageSize, residency);
                        if ((residency.get(JAVA_BYTE, 0) & 1) == 0) {
                            if (cache.write(page, 1)) {
                                return 0;
                            }
                            lastFailure = reader.lastFailure();
                            failureSet = true;
                        }
                    }
                }
                default -> { }
            }
            return STOP;
        }
    }
}
