package io.uffd4j.pager.region;

/** How the pager fills pages nobody has touched yet. Demand faults always go first. */
public enum Prefetch {
    /** Only what is touched is filled. */
    NONE,
    /**
     * Background fill in address order with a window that doubles while no demand fault arrives and
     * drops back to its minimum on each fault (the way CRIU's lazy-pages daemon paces its transfer).
     */
    SEQUENTIAL,
    /**
     * Background fill that restarts just after each faulted page, so the pages around the one the
     * application wants next arrive first (QEMU postcopy's background migration), then wraps around.
     */
    POSTCOPY,
    /**
     * Prefetch the pages a previous run touched, in the order it touched them (REAP for Firecracker);
     * the order comes from a file written by a run with {@code recordFirstTouch}. Pages outside the
     * recording are served on demand.
     */
    REPLAY
}
