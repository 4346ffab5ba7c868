package io.uffd4j.pager.server;

import io.uffd4j.Modes;
import io.uffd4j.Resolver;
import io.uffd4j.WriteProtectMode;
import io.uffd4j.error.Errno;
import io.uffd4j.event.FaultKind;
import io.uffd4j.event.PageFault;
import io.uffd4j.pager.spi.RegionExtension;
import io.uffd4j.serve.FaultHandler;
import io.uffd4j.serve.Resolution;
import io.uffd4j.serve.UnservablePageException;

/**
 * The pager's fault handler for one region: a missing page is filled from the source, a minor fault
 * (the page is in the page cache) is mapped, a write to a write-protected page goes to the extension that
 * asked for those faults (a snapshot saves the page first), else the page is unprotected.
 */
final class DemandHandler implements FaultHandler {
    private static final System.Logger LOG = System.getLogger(DemandHandler.class.getName());
    private static final Modes<WriteProtectMode> UNPROTECT = Modes.none();
    static final String SHARED_CHILD = "a forked child's copy of a shared-memfd region is not served"
            + " (the parent's pager writes the same page cache); use PRIVATE_ANONYMOUS for regions that forked children read";
    static final String GAVE_UP = "the pager gave up on this region after repeated failures (see earlier reports)";

    private final long id;
    private final RegionPages pages;
    private final PageFiller filler;
    private final Prefetcher prefetcher;
    private final FirstTouchLog touchLog;
    private final PageBitmap touched;
    private final RegionControls controls;
    private final String unservable;

    /**
     * @param touchLog   where first touches are recorded, or null
     * @param unservable why every fault fails at once (the pager gave up, or a forked child of a shared
     *                   region), or null
     */
    DemandHandler(long id, RegionPages pages, PageFiller filler, Prefetcher prefetcher, FirstTouchLog touchLog,
                  RegionControls controls, String unservable) {
        this.id = id;
        this.pages = pages;
        this.filler = filler;
        this.prefetcher = prefetcher;
        this.touchLog = touchLog;
        this.touched = touchLog != null ? new PageBitmap(pages.pages) : null;
        this.controls = controls;
        this.unservable = unservable;
    }

    FirstTouchLog touchLog() {
        return touchLog;
    }

    @Override
    public Resolution handle(PageFault fault, Resolver resolver) {
        if (fault.kind() == FaultKind.WRITE_PROTECT) {
            return writeProtected(fault, resolver);
        }
        long page = fault.pageOffset() / pages.pageSize;
        pages.demandFaults++;
        if (unservable != null) {
            throw new UnservablePageException(unservable);
        }
        if (touchLog != null && !touched.get(page)) {
            touched.set(page);
            touchLog.add(page);
        }
        prefetcher.onDemandFault(page);
        PageFiller.Outcome r;
        if (fault.kind() == FaultKind.MINOR) {
            pages.minorFaults++;
            r = filler.mapCached(page, 1, false, resolver);
        } else {
            r = filler.fill(page, 1, false, resolver);
        }
        return switch (r) {
            case DONE -> Resolution.RESOLVED;
            case RETRY -> Resolution.RETRY;
            case GONE -> Resolution.GONE;
            case FAILED -> {
                pages.readFailures++;
                throw new PageFillException(filler.lastFailure());
            }
        };
    }

    /**
     * A write to a write-protected page: the extension that asked for these faults decides; without one,
     * the page is unprotected and the writer continues.
     */
    private Resolution writeProtected(PageFault fault, Resolver resolver) {
        RegionExtension<?, ?, ?> h = controls.writeProtectHandler;
        if (h != null) {
            try {
                h.onWriteProtectFault(fault.address(), resolver);
                return Resolution.RESOLVED;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "region " + id + ": write-protect handler failed; unprotecting", e);
            }
        }
        Errno e = resolver.writeProtect(fault.pageAddress(), pages.pageSize, UNPROTECT);
        if (e != Errno.NONE && e != Errno.ESRCH && e != Errno.ENOENT) {
            LOG.log(System.Logger.Level.WARNING, "region " + id + ": unprotecting after a write fault failed: " + e);
        }
        return Resolution.RESOLVED;
    }

    /** The source could not give a page (the loop retries it, then gives up and poisons it). */
    static final class PageFillException extends RuntimeException {
        PageFillException(String reason) {
            super(reason, null, false, false);
        }
    }
}
