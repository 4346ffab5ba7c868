package io.uffd4j.mm;

import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.NativeFd;
import io.uffd4j.internal.ffm.Abi;
import io.uffd4j.internal.ffm.Libc;
import io.uffd4j.internal.ffm.NativeMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * /proc/pid/pagemap: per-page state (present, swapped, uffd write-protected, exclusive) and the
 * PAGEMAP_SCAN ioctl that finds written pages of a WP_ASYNC range without any fault message.
 * Methods are synchronized: one buffer per instance.
 */
public final class Pagemap implements AutoCloseable {
    private static final int BATCH = 512;

    private final NativeFd fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment entries = arena.allocate(BATCH * 8L, 8);
    private final MemorySegment scanArg = arena.allocate(Abi.PM_SCAN_ARG_SIZE, 8);
    private final long pageSize = PageSizes.base();

    private Pagemap(int fd, String what) {
        this.fd = new NativeFd(fd, what);
    }

    /** This process's pagemap. */
    public static Pagemap self() {
        return open("/proc/self/pagemap");
    }

    /** Another process's pagemap (needs ptrace access to it). */
    public static Pagemap of(long pid) {
        return open("/proc/" + pid + "/pagemap");
    }

    private static Pagemap open(String path) {
        int fd;
        try (Arena a = Arena.ofConfined()) {
            fd = Libc.open(NativeMemory.cString(a, path).address(), Abi.O_RDONLY | Abi.O_CLOEXEC, 0);
        }
        if (fd < 0) {
            throw UffdException.of("open", -fd, path);
        }
        return new Pagemap(fd, path);
    }

    /** The entry of the page holding {@code address}. */
    public synchronized PagemapEntry entry(long address) {
        read(address, 1);
        return new PagemapEntry(entries.get(JAVA_LONG, 0));
    }

    /** Raw entries of {@code count} pages from {@code address} into {@code out} (decode with {@link PagemapEntry}). */
    public synchronized void read(long address, long[] out, int count) {
        int done = 0;
        while (done < count) {
            int n = Math.min(BATCH, count - done);
            read(address + (long) done * pageSize, n);
            MemorySegment.copy(entries, JAVA_LONG, 0, out, done, n);
            done += n;
        }
    }

    private void read(long address, int pages) {
        int n = fd.acquire("pread(pagemap)");
        try {
            long off = (address / pageSize) * 8;
            long want = pages * 8L;
            long got = 0;
            while (got < want) {
                long r = Libc.pread(n, entries.address() + got, want - got, off + got);
                if (r < 0) {
                    throw UffdException.of("pread(pagemap)", (int) -r, "at 0x" + Long.toHexString(address));
                }
                if (r == 0) {
                    throw UffdException.of("pread(pagemap)", Errno.EIO.code(), "short read at 0x" + Long.toHexString(address));
                }
                got += r;
            }
        } finally {
            fd.release();
        }
    }

    /** Runs PAGEMAP_SCAN and returns the matching regions. */
    public ScanResult scan(PagemapScan request) {
        try (PageRegionBuffer buf = new PageRegionBuffer(256)) {
            List<PageRegion> all = new ArrayList<>();
            long at = request.start();
            long walkEnd;
            do {
                PagemapScan part = new PagemapScan(at, request.end(), request.require(), request.exclude(),
                        request.anyOf(), request.report(), request.writeProtect(), request.checkWpAsync(),
                        request.maxPages() == 0 ? 0 : Math.max(1, request.maxPages() - pages(all)));
                int n = scan(part, buf);
                for (int i = 0; i < n; i++) {
                    all.add(buf.region(i));
                }
                walkEnd = buf.walkEnd();
                at = walkEnd;
            } while (walkEnd < request.end() && (request.maxPages() == 0 || pages(all) < request.maxPages()));
            return new ScanResult(List.copyOf(all), walkEnd);
        }
    }

    private long pages(List<PageRegion> regions) {
        long p = 0;
        for (PageRegion r : regions) {
            p += r.length() / pageSize;
        }
        return p;
    }

    /**
     * Runs PAGEMAP_SCAN once into {@code out} (no allocation). Returns the number of regions; the scan
     * stopped at {@link PageRegionBuffer#walkEnd()}, which is below the requested end when {@code out}
     * filled up.
     */
    public synchronized int scan(PagemapScan request, PageRegionBuffer out) {
        int n = fd.acquire("PAGEMAP_SCAN");
        MemorySegment a = scanArg;
        int r;
        try {
            a.set(JAVA_LONG, 0, Abi.PM_SCAN_ARG_SIZE);
            a.set(JAVA_LONG, 8, (request.writeProtect() ? Abi.PM_SCAN_WP_MATCHING : 0)
                    | (request.checkWpAsync() ? Abi.PM_SCAN_CHECK_WPASYNC : 0));
            a.set(JAVA_LONG, 16, request.start());
            a.set(JAVA_LONG, 24, request.end());
            a.set(JAVA_LONG, 32, 0L);
            a.set(JAVA_LONG, 40, out.address());
            a.set(JAVA_LONG, 48, out.capacity());
            a.set(JAVA_LONG, 56, request.maxPages());
            a.set(JAVA_LONG, 64, request.categoryInverted());
            a.set(JAVA_LONG, 72, request.categoryMask());
            a.set(JAVA_LONG, 80, PageCategory.bits(request.anyOf()));
            a.set(JAVA_LONG, 88, PageCategory.bits(request.report()));
            r = Libc.ioctl(n, Abi.PAGEMAP_SCAN, a.address());
        } finally {
            fd.release();
        }
        if (r < 0) {
            Errno e = Errno.of(-r);
            throw UffdException.of("PAGEMAP_SCAN", e, -r, request.start(), request.end() - request.start(), 0,
                    switch (e) {
                        case EINVAL -> "bad range or masks, or WP requested on pages not registered for WP_ASYNC";
                        case EPERM -> "PM_SCAN_CHECK_WPASYNC found a page outside a WP_ASYNC range";
                        case ENOTTY -> "this kernel has no PAGEMAP_SCAN (Linux 6.7)";
                        default -> e.description();
                    });
        }
        out.set(r, a.get(JAVA_LONG, 32));
        return r;
    }

    /** Regions a scan found and where its walk ended. */
    public record ScanResult(List<PageRegion> regions, long walkEnd) {
        public long bytes() {
            long b = 0;
            for (PageRegion r : regions) {
                b += r.length();
            }
            return b;
        }
    }

    @Override
    public synchronized void close() {
        if (fd.close()) {
            arena.close();
        }
    }
}
