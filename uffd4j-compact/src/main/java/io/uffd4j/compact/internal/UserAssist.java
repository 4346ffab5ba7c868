package io.uffd4j.compact.internal;

import io.uffd4j.Resolver;
import io.uffd4j.Userfaultfd;

/**
 * User assist: produces the pages of a range that the cycle in progress has not installed yet, on the
 * user's thread, so the copy that follows does not fault. A fault costs a round trip to a fault-server
 * thread that must be woken and scheduled, which is most of a user's latency during a cycle. Uses the
 * fault handlers' protocol (enter/exit, the cycle ends only once no one is producing its pages); pages
 * past the compacted data are left to the fault path.
 */
final class UserAssist {
    private final boolean enabled;
    private final long pageSize;
    private final Userfaultfd uffd;
    /** Null for STOP_THE_WORLD (no cycle is ever served). */
    private final CycleFaultHandler handler;
    private final ThreadLocal<PageWorker> assistWorkers = new ThreadLocal<>();

    UserAssist(StoreContext context, CycleFaultHandler handler) {
        this.enabled = context.config().userAssist();
        this.pageSize = context.pageSize();
        this.uffd = context.uffd();
        this.handler = handler;
    }

    /** Produces the pages of [offset, offset + len) the cycle in progress has not installed yet. */
    void assist(long offset, long len) {
        Cycle c = handler == null ? null : handler.serving();
        if (c == null || !enabled) {
            return;
        }
        int first = (int) (offset / pageSize);
        int last = (int) Math.min((offset + len - 1) / pageSize, c.plan.toPages - 1);
        int p = first;
        while (p <= last && c.states.isDone(p)) {
            p++;
        }
        if (p > last || !c.enterHandler()) {
            return;
        }
        try {
            PageWorker w = assistWorkers.get();
            if (w == null || w.c != c) {
                w = c.register(new PageWorker(c, true));
                assistWorkers.set(w);
            }
            Resolver r = uffd.resolver();
            for (; p <= last; p++) {
                if (!c.states.isDone(p)) {
                    w.assist(p, r);
                }
            }
        } finally {
            c.exitHandler();
        }
    }
}
