package io.uffd4j.pager.server;

import io.uffd4j.Resolver;
import io.uffd4j.serve.FaultLoop;

import java.util.function.Supplier;

/**
 * Background fill of a region while no fault waits: runs chosen by the {@link Prefetcher}, at most
 * {@link RegionServer#MAX_RUN} pages or {@link #RUNS_PER_STEP} runs per step, so that a demand fault
 * waits at most about one step. Pages already there are stepped over, never replaced; a run the source
 * fails on is left to demand faults, which retry it and, if it keeps failing, fail loudly.
 */
final class BackgroundFill implements FaultLoop.BackgroundWork {
    static final int RUNS_PER_STEP = 16;

    private final RegionPages pages;
    private final PageFiller filler;
    private final Prefetcher prefetcher;
    private final Supplier<Resolver> resolver;

    /** @param resolver the resolver of the descriptor the range is registered with now */
    BackgroundFill(RegionPages pages, PageFiller filler, Prefetcher prefetcher, Supplier<Resolver> resolver) {
        this.pages = pages;
        this.filler = filler;
        this.prefetcher = prefetcher;
        this.resolver = resolver;
    }

    @Override
    public boolean step() {
        if (pages.gone) {
            return false;
        }
        Resolver r = resolver.get();
        int pagesThisStep = 0;
        for (int k = 0; k < RUNS_PER_STEP && pagesThisStep < RegionServer.MAX_RUN; k++) {
            long start = prefetcher.nextStart(pages.filled, pages.dropped);
            if (start < 0) {
                pages.noteFullyResidentIfDone();
                return k > 0;
            }
            int max = Math.max(1, Math.min(prefetcher.window(), RegionServer.MAX_RUN - pagesThisStep));
            int n = 1;
            while (n < max && start + n < pages.pages && !pages.filled.get(start + n) && !pages.dropped.get(start + n)) {
                n++;
            }
            PageFiller.Outcome o = filler.fill(start, n, true, r);
            if (o == PageFiller.Outcome.FAILED) {
                pages.readFailures++;
                pages.dropped.setRange(start, n);
            } else if (o == PageFiller.Outcome.RETRY || o == PageFiller.Outcome.GONE) {
                return true;
            }
            prefetcher.onRunDone(start, n);
            pagesThisStep += n;
        }
        return true;
    }
}
