package io.uffd4j.pager.server;

/**
 * Chooses background work. The region server asks for the next run when no demand fault is waiting;
 * a run starts at {@link #nextStart()} and covers at most {@link #window()} pages that are neither
 * filled nor dropped. Single-threaded. No allocation.
 */
interface Prefetcher {
    /** A demand fault was served at {@code page}. */
    void onDemandFault(long page);

    /** The next page to consider, or -1 when there is no background work left. */
    long nextStart(PageBitmap filled, PageBitmap dropped);

    /** Most pages in the next run. */
    int window();

    /** The run [start, start + n) was just done. */
    void onRunDone(long start, int n);

    /** The policy a region asked for, with runs of at most {@code maxRun} pages. */
    static Prefetcher of(io.uffd4j.pager.protocol.RegionSpec spec, long pages, int maxRun) {
        return switch (spec.prefetch()) {
            case NONE -> new None();
            case SEQUENTIAL -> new Sequential(4, maxRun);
            case POSTCOPY -> new Postcopy(64);
            case REPLAY -> {
                try {
                    yield new Replay(FirstTouchLog.read(spec.replayFrom(), spec.pageSize()), maxRun);
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("cannot read the first-touch recording " + spec.replayFrom() + ": " + e.getMessage(), e);
                }
            }
        };
    }

    /** No prefetch at all. */
    final class None implements Prefetcher {
        @Override
        public void onDemandFault(long page) {}

        @Override
        public long nextStart(PageBitmap filled, PageBitmap dropped) {
            return -1;
        }

        @Override
        public int window() {
            return 0;
        }

        @Override
        public void onRunDone(long start, int n) {}
    }

    /** Address order; the window doubles while quiet and drops to its minimum on every demand fault (CRIU). */
    final class Sequential implements Prefetcher {
        private final int min;
        private final int max;
        private int window;
        private long cursor;

        Sequential(int min, int max) {
            this.min = min;
            this.max = max;
            this.window = min;
        }

        @Override
        public void onDemandFault(long page) {
            window = min;
        }

        @Override
        public long nextStart(PageBitmap filled, PageBitmap dropped) {
            long p = filled.nextClearInBoth(cursor, dropped);
            if (p < 0 && cursor > 0) {
                cursor = 0;
                p = filled.nextClearInBoth(0, dropped);
            }
            return p;
        }

        @Override
        public int window() {
            return window;
        }

        @Override
        public void onRunDone(long start, int n) {
            cursor = start + Math.max(1, n);
            window = Math.min(max, window * 2);
        }
    }

    /** Background scan that restarts just after each faulted page, then wraps around (QEMU postcopy). */
    final class Postcopy implements Prefetcher {
        private final int window;
        private long cursor;

        Postcopy(int window) {
            this.window = window;
        }

        @Override
        public void onDemandFault(long page) {
            cursor = page + 1;
        }

        @Override
        public long nextStart(PageBitmap filled, PageBitmap dropped) {
            long p = filled.nextClearInBoth(cursor, dropped);
            if (p < 0 && cursor > 0) {
                cursor = 0;
                p = filled.nextClearInBoth(0, dropped);
            }
            return p;
        }

        @Override
        public int window() {
            return window;
        }

        @Override
        public void onRunDone(long start, int n) {
            cursor = start + Math.max(1, n);
        }
    }

    /** The pages a previous run touched first, in that order (REAP); then nothing. */
    final class Replay implements Prefetcher {
        private final int[] order;
        private final int window;
        private int next;

        Replay(int[] order, int window) {
            this.order = order;
            this.window = window;
        }

        @Override
        public void onDemandFault(long page) {}

        @Override
        public long nextStart(PageBitmap filled, PageBitmap dropped) {
            while (next < order.length) {
                long p = order[next];
                if (p < filled.pages() && !filled.get(p) && !dropped.get(p)) {
                    return p;
                }
                next++;
            }
            return -1;
        }

        /** Run length: the recorded pages that follow in address order, so runs of neighbours go together. */
        @Override
        public int window() {
            int n = 1;
            while (next + n < order.length && n < window && order[next + n] == order[next] + n) {
                n++;
            }
            return n;
        }

        @Override
        public void onRunDone(long start, int n) {
            next++;
            while (next < order.length && order[next] >= start && order[next] < start + n) {
                next++;
            }
        }
    }
}
