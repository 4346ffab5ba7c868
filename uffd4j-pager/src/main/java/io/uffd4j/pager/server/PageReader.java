package io.uffd4j.pager.server;

import io.uffd4j.pager.source.Checksums;
import io.uffd4j.pager.source.PageReadException;
import io.uffd4j.pager.source.PageSource;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Reads pages from a region's source into a destination, verifying each page's checksum where the
 * source has them: a page that fails verification is never installed. With checksums, pages are read
 * into the reader's own buffer first (so that no bad byte reaches the destination), then copied.
 * Single-threaded; allocates nothing per read.
 */
final class PageReader {
    private final PageSource source;
    private final long pageSize;
    private final MemorySegment buffer;
    private final ByteBuffer bufferView;
    private final CRC32C crc = new CRC32C();
    private String lastFailure;

    PageReader(PageSource source, long pageSize, MemorySegment buffer) {
        this.source = source;
        this.pageSize = pageSize;
        this.buffer = buffer;
        this.bufferView = buffer.asByteBuffer();
    }

    PageSource source() {
        return source;
    }

    /** The reader's run buffer (at least one page; {@link RegionServer#MAX_RUN} pages for a region's server). */
    MemorySegment buffer() {
        return buffer;
    }

    /** Why the last read failed. */
    String lastFailure() {
        return lastFailure;
    }

    /** Reads and verifies [off, off + len) into {@code dst} at {@code dstOffset}; false with {@link #lastFailure()} set. */
    boolean readInto(long off, long len, MemorySegment dst, long dstOffset) {
        if (source.isZero(off, len)) {
            dst.asSlice(dstOffset, len).fill((byte) 0);
            return true;
        }
        if (source.hasChecksums() && dst != buffer) {
            if (!readVerified(off, len)) {
                return false;
            }
            MemorySegment.copy(buffer, 0, dst, dstOffset, len);
            return true;
        }
        return dst == buffer ? readVerified(off, len) : read(off, len, dst, dstOffset);
    }

    /** Reads [off, off + len) into the buffer and verifies it. */
    boolean readVerified(long off, long len) {
        if (!read(off, len, buffer, 0)) {
            return false;
        }
        if (!source.hasChecksums()) {
            return true;
        }
        for (long o = 0; o < len; o += pageSize) {
            long page = (off + o) / pageSize;
            long want = source.checksum(page, pageSize);
            if (want != PageSource.NO_CHECKSUM) {
                long got = Checksums.crc32c(crc, bufferView, o, (int) pageSize);
                if (got != want) {
                    lastFailure = "page " + page + " failed verification: CRC32C " + Long.toHexString(got)
                            + ", expected " + Long.toHexString(want);
                    return false;
                }
            }
        }
        return true;
    }

    private boolean read(long off, long len, MemorySegment dst, long dstOffset) {
        try {
            source.read(off, dst, dstOffset, len);
            return true;
        } catch (PageReadException e) {
            lastFailure = "the page source failed: " + e.getMessage();
        } catch (RuntimeException e) {
            lastFailure = "the page source failed: " + e;
        }
        return false;
    }
}
