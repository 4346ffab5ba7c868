package io.uffd4j.selftest;

import io.uffd4j.mm.PageSizes;

import java.io.IOException;
import java.util.Optional;

/**
 * Makes {@code pages} free 2 MiB hugetlb pages available by raising nr_hugepages (root only) and lowers
 * it again by the same amount on close. Adjusting relative to the current value (instead of writing a
 * saved absolute value back) keeps concurrent users of the pool on this machine intact.
 */
public final class HugeTlbReservation implements AutoCloseable {
    public static final long PAGE = 2L << 20;

    private final long added;
    private final String why;
    private final Thread undoAtExit;
    private boolean released;

    private HugeTlbReservation(long added, String why) {
        this.added = added;
        this.why = why;
        // If the test JVM ends without running close() (System.exit, SIGTERM), still give the pages back.
        this.undoAtExit = added > 0 ? new Thread(() -> lower(added), "hugetlb-reservation-undo") : null;
        if (undoAtExit != null) {
            Runtime.getRuntime().addShutdownHook(undoAtExit);
        }
    }

    /** A reservation, or one whose {@link #unavailable()} says why hugetlb cannot be tested. */
    public static HugeTlbReservation reserve(int pages) {
        Optional<PageSizes.HugeTlbPool> pool = pool();
        if (pool.isEmpty()) {
            return new HugeTlbReservation(0, "this kernel has no 2 MiB hugetlb pool");
        }
        long free = pool.get().free() - pool.get().reserved();
        if (free >= pages) {
            return new HugeTlbReservation(0, null);
        }
        long want = pages - free;
        long before = pool.get().total();
        try {
            long now = PageSizes.reserveHugeTlbPages(PAGE, before + want);
            long added = Math.max(0, now - before);
            PageSizes.HugeTlbPool after = pool().orElseThrow();
            if (after.free() - after.reserved() < pages) {
                lower(added);
                return new HugeTlbReservation(0, "could not get " + pages + " free 2 MiB huge pages (pool now "
                        + after + "); memory too fragmented?");
            }
            return new HugeTlbReservation(added, null);
        } catch (IOException | RuntimeException e) {
            return new HugeTlbReservation(0, "cannot raise nr_hugepages (needs root): " + e);
        }
    }

    private static Optional<PageSizes.HugeTlbPool> pool() {
        return PageSizes.hugeTlbPools().stream().filter(p -> p.pageSize() == PAGE).findFirst();
    }

    private static void lower(long n) {
        if (n <= 0) {
            return;
        }
        pool().ifPresent(p -> {
            try {
                PageSizes.reserveHugeTlbPages(PAGE, Math.max(0, p.total() - n));
            } catch (IOException e) {
                System.err.println("could not lower nr_hugepages by " + n + ": " + e);
            }
        });
    }

    /** Null when the pages are available, else the reason hugetlb tests are skipped. */
    public String unavailable() {
        return why;
    }

    @Override
    public synchronized void close() {
        if (released) {
            return;
        }
        released = true;
        if (undoAtExit != null) {
            Runtime.getRuntime().removeShutdownHook(undoAtExit);
        }
        lower(added);
    }
}
