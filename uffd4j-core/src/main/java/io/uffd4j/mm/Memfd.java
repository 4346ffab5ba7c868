package io.uffd4j.mm;

import io.uffd4j.error.InvalidRequestException;
import io.uffd4j.error.RangeArgumentException;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.NativeFd;
import io.uffd4j.internal.ffm.Abi;
import io.uffd4j.internal.ffm.Libc;
import io.uffd4j.internal.ffm.NativeMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An anonymous in-memory file (memfd_create): shared memory whose pages live in the page cache.
 * Mapping it twice gives two views of the same pages, which is how MINOR faults and UFFDIO_CONTINUE
 * are used: fill the page cache through one view (or {@link #write}), map it into the registered view
 * with CONTINUE.
 */
public final class Memfd implements AutoCloseable {
    private final NativeFd fd;
    private final String name;
    private final long size;
    private final long pageSize;
    private final boolean hugetlb;

    private Memfd(int fd, String name, long size, long pageSize, boolean hugetlb) {
        this.fd = new NativeFd(fd, "memfd " + name);
        this.name = name;
        this.size = size;
        this.pageSize = pageSize;
        this.hugetlb = hugetlb;
    }

    /** A shmem memfd of {@code size} bytes. */
    public static Memfd create(String name, long size) {
        return create(name, size, PageSizes.base(), 0);
    }

    /** A hugetlbfs memfd of {@code size} bytes with pages of {@code hugePageSize}. */
    public static Memfd createHugetlb(String name, long size, long hugePageSize) {
        int log2 = Long.numberOfTrailingZeros(hugePageSize);
        return create(name, size, hugePageSize, Abi.MFD_HUGETLB | (log2 << Abi.MAP_HUGE_SHIFT));
    }

    private static Memfd create(String name, long size, long pageSize, int extraFlags) {
        if (size <= 0 || size % pageSize != 0) {
            throw new RangeArgumentException("memfd_create", 0, size,
                    "memfd_create: size " + size + " must be a positive multiple of the page size " + pageSize);
        }
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = Libc.memfdCreate(NativeMemory.cString(arena, name).address(), Abi.MFD_CLOEXEC | extraFlags);
        }
        if (fd < 0) {
            throw UffdException.of("memfd_create", -fd, "creating memfd " + name);
        }
        int r = Libc.ftruncate(fd, size);
        if (r < 0) {
            Libc.close(fd);
            throw UffdException.of("ftruncate", -r, "sizing memfd " + name + " to " + size + " bytes");
        }
        return new Memfd(fd, name, size, pageSize, extraFlags != 0);
    }

    /**
     * Takes ownership of a shmem memfd that arrived from elsewhere (another process over a Unix socket).
     * Its size is read from the file itself, so a mapping of it can never reach past its end.
     */
    public static Memfd adopt(int descriptor, String name) {
        long size;
        try {
            size = java.nio.file.Files.size(java.nio.file.Path.of("/proc/self/fd/" + descriptor));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("adopt refused descriptor " + descriptor + ": not an open file (" + e.getMessage() + ")");
        }
        if (size <= 0 || size % PageSizes.base() != 0) {
            throw new RangeArgumentException("adopt", 0, size, "adopt refused memfd " + name + ": its size " + size
                    + ", not a positive multiple of the page size " + PageSizes.base());
        }
        return new Memfd(descriptor, name, size, PageSizes.base(), false);
    }

    public long size() {
        return size;
    }

    public long pageSize() {
        return pageSize;
    }

    public boolean hugetlb() {
        return hugetlb;
    }

    public String name() {
        return name;
    }

    /** The descriptor number, e.g. to send it to another process. Valid until {@link #close()}. */
    public int fd() {
        int n = fd.acquire("fd");
        fd.release();
        return n;
    }

    /** A MAP_SHARED mapping of the whole file. */
    public Mapping map() {
        return map(0, size);
    }

    /** A MAP_SHARED mapping of [offset, offset + length) of the file. */
    public Mapping map(long offset, long length) {
        checkPart("mmap", offset, length);
        int n = fd.acquire("mmap");
        try {
            return Mapping.sharedFile(n, offset, length, pageSize, hugetlb, name);
        } finally {
            fd.release();
        }
    }

    /** Writes {@code data} into the file at {@code offset} (fills the page cache without mapping it). */
    public void write(long offset, MemorySegment data) {
        if (!data.isNative()) {
            throw new IllegalArgumentException("pwrite: data must be native memory");
        }
        checkInside("pwrite", offset, data.byteSize());
        int n = fd.acquire("pwrite");
        try {
            long done = 0;
            while (done < data.byteSize()) {
                long w = Libc.pwrite(n, data.address() + done, data.byteSize() - done, offset + done);
                if (w < 0) {
                    throw UffdException.of("pwrite", (int) -w, "writing memfd " + name);
                }
                done += w;
            }
        } finally {
            fd.release();
        }
    }

    /** Reads the file at {@code offset} into {@code data}. */
    public void read(long offset, MemorySegment data) {
        if (!data.isNative()) {
            throw new IllegalArgumentException("pread: data must be native memory");
        }
        checkInside("pread", offset, data.byteSize());
        int n = fd.acquire("pread");
        try {
            long done = 0;
            while (done < data.byteSize()) {
                long r = Libc.pread(n, data.address() + done, data.byteSize() - done, offset + done);
                if (r < 0) {
                    throw UffdException.of("pread", (int) -r, "reading memfd " + name);
                }
                if (r == 0) {
                    break;
                }
                done += r;
            }
        } finally {
            fd.release();
        }
    }

    /** Drops [offset, offset + length) from the page cache (fallocate PUNCH_HOLE); it reads back as zeros. */
    public void punchHole(long offset, long length) {
        checkPart("fallocate", offset, length);
        int n = fd.acquire("fallocate");
        try {
            int r = Libc.fallocate(n, Abi.FALLOC_FL_PUNCH_HOLE | Abi.FALLOC_FL_KEEP_SIZE, offset, length);
            if (r < 0) {
                throw UffdException.of("fallocate(PUNCH_HOLE)", -r, "memfd " + name);
            }
        } finally {
            fd.release();
        }
    }

    /** Writing past the end would grow the file behind its mappings' backs; reading past it would come back short. */
    private void checkInside(String op, long offset, long length) {
        if (offset < 0 || length > size - offset) {
            throw new RangeArgumentException(op, offset, length, op + ": [" + offset + ", " + (offset + length)
                    + ") is not inside memfd " + name + " (" + size + " bytes)");
        }
    }

    private void checkPart(String op, long offset, long length) {
        if (offset < 0 || length <= 0 || length > size - offset || offset % pageSize != 0 || length % pageSize != 0) {
            throw new RangeArgumentException(op, offset, length, op + ": [" + offset + ", " + (offset + length)
                    + ") is not a part of memfd " + name + " (" + size + " bytes) aligned to " + pageSize);
        }
    }

    /** Closes the descriptor; mappings of the file stay valid until they are closed. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "Memfd[" + name + ", " + size + " bytes" + (hugetlb ? ", hugetlb" : "") + "]";
    }
}
