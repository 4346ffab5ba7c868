package io.uffd4j.pager.server;

import io.uffd4j.event.ForkEvent;
import io.uffd4j.event.PageFault;
import io.uffd4j.event.RemapEvent;
import io.uffd4j.event.RemoveEvent;
import io.uffd4j.event.UffdEvent;
import io.uffd4j.event.UnmapEvent;
import io.uffd4j.serve.FaultListener;

import java.util.function.Consumer;

/**
 * What a region's fault loop hears besides faults: the application removed, unmapped or moved memory,
 * or forked; and the faults it gave up on, which go to the application as failures.
 */
final class RegionEvents implements FaultListener {
    private static final System.Logger LOG = System.getLogger(RegionEvents.class.getName());

    private final long id;
    private final RegionPages pages;
    private final Extensions extensions;
    private final RegionServer.Reporter reporter;
    private final Consumer<ForkEvent> forks;

    RegionEvents(long id, RegionPages pages, Extensions extensions, RegionServer.Reporter reporter, Consumer<ForkEvent> forks) {
        this.id = id;
        this.pages = pages;
        this.extensions = extensions;
        this.reporter = reporter;
        this.forks = forks;
    }

    @Override
    public void onEvent(UffdEvent event) {
        switch (event) {
            case RemoveEvent r -> removed(r.start(), r.end());
            case UnmapEvent u -> removed(u.start(), u.end());
            case RemapEvent m -> {
                if (m.from() == pages.base() && m.length() == pages.length) {
                    pages.movedTo(m.to());
                } else {
                    LOG.log(System.Logger.Level.WARNING, "region " + id + ": partial mremap of [0x" + Long.toHexString(m.from())
                            + "+" + m.length() + ") is not followed; the moved pages are no longer served here");
                    pages.forget(m.from(), m.from() + m.length());
                }
            }
            case ForkEvent f -> forks.accept(f);
            default -> LOG.log(System.Logger.Level.DEBUG, "region " + id + ": ignoring " + event);
        }
    }

    private void removed(long start, long end) {
        pages.forget(start, end);
        extensions.removed(start, end);
    }

    @Override
    public void onGaveUp(PageFault fault, Throwable lastFailure, boolean poisoned) {
        long offset = fault.pageOffset();
        String reason = String.valueOf(lastFailure.getMessage()) + (fault.attempt() > 1 ? " (after " + fault.attempt() + " attempts)" : "");
        if (poisoned) {
            reporter.failure(id, offset, reason);
        } else {
            reporter.failure(id, offset, reason + "; UFFDIO_POISON also failed, the access keeps waiting");
        }
    }

    @Override
    public void onServerError(Throwable error) {
        reporter.failure(id, -1, "the pager's server for this region stopped: " + error);
    }
}
