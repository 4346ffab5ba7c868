package io.uffd4j.mm;

import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Copies memory out of a region in which some pages may have failed (poisoned by a pager or fault server
 * that gave up on them), reporting those pages instead of crashing or throwing {@code InternalError}.
 * Use it wherever a whole region is checksummed, compared or saved: JDK intrinsics such as
 * {@code CRC32C.update(ByteBuffer)} run over a failed page end the JVM (docs/failed-pages.md).
 *
 * <p>How: the kernel copies (process_vm_readv on this process), which returns EFAULT at a failed page
 * instead of raising SIGBUS. A page the kernel cannot read is then touched once from Java, which serves it
 * if only a user-mode-only userfaultfd kept the kernel from faulting it in, and raises InternalError (caught
 * here) if it failed; the kernel copy is retried after that touch. The Java touch makes this a reader for
 * memory served by another process (LazyRegion) or not served at all: a mapping served by a fault server of
 * this JVM is read with {@code GuardedMemory}, which reports failed pages as {@code PageUnavailableException}.
 */
public final class RegionReader {
    private static final int PID = Libc.getpid();
    private static final long BOUNCE = 1 << 20;

    private RegionReader() {}

    /** A page that could not be read: [offset, offset + length) of the region, clipped to what was asked. */
    public record FailedPage(long offset, long length, String reason) {}

    /** What a read produced. */
    public sealed interface Result permits Complete, Incomplete {
        /** Bytes copied into the destination. */
        long bytesRead();

        /** The pages that could not be read, in offset order (empty when complete). */
        List<FailedPage> failedPages();
    }

    /** Every byte was copied. */
    public record Complete(long bytesRead) implements Result {
        @Override
        public List<FailedPage> failedPages() {
            return List.of();
        }
    }

    /**
     * Some pages failed; every other byte was copied. The destination bytes of a failed page are
     * unspecified: never use them as the page's contents.
     */
    public record Incomplete(long bytesRead, List<FailedPage> failedPages) implements Result {
        public Incomplete {
            failedPages = List.copyOf(failedPages);
            if (failedPages.isEmpty()) {
                throw new IllegalArgumentException("an incomplete read names at least one failed page");
            }
        }
    }

    /**
     * Copies {@code dst.byteSize()} bytes of {@code region} from {@code offset} into {@code dst} (native or
     * heap), page by page where pages fail, with pages of {@link PageSizes#base()} bytes.
     *
     * @throws IllegalArgumentException if {@code region} is not native memory
     * @throws IndexOutOfBoundsException if the range is outside {@code region}
     */
    public static Result read(MemorySegment region, long offset, MemorySegment dst) {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(dst, "dst");
        if (!region.isNative()) {
            throw new IllegalArgumentException("RegionReader reads native memory; the region is a heap segment");
        }
        Objects.checkFromIndexSize(offset, dst.byteSize(), region.byteSize());
        long page = PageSizes.base();
        List<FailedPage> failed = new ArrayList<>();
        long read = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment iov = arena.allocate(32, 8);
            MemorySegment bounce = dst.isNative() ? null : arena.allocate(Math.min(BOUNCE, Math.max(1, dst.byteSize())), 64);
            long len = dst.byteSize();
            long done = 0;
            while (done < len) {
                long n = bounce == null ? len - done : Math.min(bounce.byteSize(), len - done);
                long local = bounce == null ? dst.address() + done : bounce.address();
                long from = region.address() + offset + done;
                long copied = copyAround(region, from, local, n, page, iov, failed);
                read += copied;
                if (bounce != null) {
                    MemorySegment.copy(bounce, 0, dst, done, n);
                }
                done += n;
            }
        }
        // Offsets relative to the region, for the caller.
        List<FailedPage> relative = failed.stream()
                .map(f -> new FailedPage(f.offset() - region.address(), f.length(), f.reason())).toList();
        return relative.isEmpty() ? new Complete(read) : new Incomplete(read, relative);
    }

    /**
     * Copies [from, from + n) to local, stepping over failed pages (recorded with absolute addresses);
     * returns the bytes copied.
     */
    private static long copyAround(MemorySegment region, long from, long local, long n, long page, MemorySegment iov,
                                   List<FailedPage> failed) {
        long copied = 0;
        long pos = 0;
        while (pos < n) {
            long r = kernelCopy(from + pos, local + pos, n - pos, iov);
            copied += r;
            pos += r;
            if (pos >= n) {
                break;
            }
            // The kernel stopped at from + pos: that page failed, or a user-mode-only userfaultfd kept the
            // kernel from faulting it in. Touch it from Java once (a user-mode fault), then let the kernel retry.
            long at = from + pos;
            long pageEnd = Math.min(n, (at & -page) + page - from);
            String reason;
            try {
                region.get(JAVA_BYTE, at - region.address());
                // HotSpot may raise the unsafe-access error of that load a little later, at the latest when the
                // next native call returns: this retry, still inside the try.
                long again = kernelCopy(at, local + pos, pageEnd - pos, iov);
                if (again == pageEnd - pos) {
                    copied += again;
                    pos = pageEnd;
                    continue;
                }
                reason = "the kernel could not read it (EFAULT) although a Java load succeeded";
            } catch (InternalError e) {
                reason = "poisoned: the kernel's copy got EFAULT and a load got SIGBUS (" + e.getMessage() + ")";
            }
            failed.add(new FailedPage(at, pageEnd - pos, reason));
            pos = pageEnd;
        }
        return copied;
    }

    /** Bytes process_vm_readv copied (0 if it failed at the first byte); throws on errors other than a bad page. */
    private static long kernelCopy(long remote, long local, long n, MemorySegment iov) {
        iov.set(JAVA_LONG, 0, local);
        iov.set(JAVA_LONG, 8, n);
        iov.set(JAVA_LONG, 16, remote);
        iov.set(JAVA_LONG, 24, n);
        while (true) {
            long r = Libc.processVmReadv(PID, iov.address(), 1, iov.address() + 16, 1);
            if (r >= 0) {
                return r;
            }
            Errno e = Errno.of((int) -r);
            if (e == Errno.EFAULT || e == Errno.EHWPOISON) {
                return 0;
            }
            if (e != Errno.EINTR && e != Errno.EAGAIN) {
                throw UffdException.of("process_vm_readv", e, e.code(), remote, n, 0, "reading this process's own memory");
            }
        }
    }
}
