package io.uffd4j.pager.source;

import java.lang.foreign.MemorySegment;

/**
 * Where the pages of a lazy region come from. A source lives inside the pager process: it is created
 * there from a class name and a configuration ({@link SourceSpec}), by a public constructor taking a
 * {@link SourceConfig}.
 *
 * <p>The pager calls a source from one thread per served region (several regions or a forked child can
 * share nothing but the class), so implementations must be safe for concurrent reads. A source may be
 * slow, remote and fail: {@link #read} reports a failure per page with {@link PageReadException}, and a
 * source that can tell what a page must contain offers {@link #checksum}, which the pager checks before
 * it maps the page. A page is never served with contents that failed that check: after
 * {@code attempts} failures the page is poisoned and the application's access fails loudly.
 */
public interface PageSource extends AutoCloseable {
    /** Returned by {@link #checksum} when the source does not know a page's checksum. */
    long NO_CHECKSUM = -1;

    /** Bytes of content; pages at or past this offset read as zeros (served with ZEROPAGE). */
    long size();

    /**
     * Reads [offset, offset + length) of the region into {@code dst} at {@code dstOffset} (native memory,
     * whole pages; the part past {@link #size()} must be written as zeros). Called on the fault path:
     * allocate nothing here if you can.
     *
     * @throws PageReadException when the content cannot be had now (the pager retries, then gives up loudly)
     */
    void read(long offset, MemorySegment dst, long dstOffset, long length) throws PageReadException;

    /** Whether {@link #checksum} knows the pages' checksums (the pager then verifies every page it serves). */
    default boolean hasChecksums() {
        return false;
    }

    /**
     * Where [offset, offset + length) already lies in this process's memory (a mapped image file), so the
     * pager can resolve faults straight from it without copying; 0 when it does not. Only whole pages
     * inside {@link #size()} are asked for.
     */
    default long directAddress(long offset, long length) {
        return 0;
    }

    /** Whether [offset, offset + length) is known to hold only zeros (the pager maps zero pages instead of reading). */
    default boolean isZero(long offset, long length) {
        return offset >= size();
    }

    /**
     * The CRC32C of page {@code pageIndex} (pages of {@code pageSize} bytes) as the source knows it should
     * be, or {@link #NO_CHECKSUM}. The pager verifies every page it reads against it.
     */
    default long checksum(long pageIndex, long pageSize) {
        return NO_CHECKSUM;
    }

    /**
     * Starts reading like {@link #read} and reports the outcome to {@code completion} with {@code tag}.
     * The default reads synchronously; a remote source overrides it to overlap requests.
     */
    default void readAsync(long offset, MemorySegment dst, long dstOffset, long length, long tag, ReadCompletion completion) {
        try {
            read(offset, dst, dstOffset, length);
            completion.completed(tag);
        } catch (PageReadException e) {
            completion.failed(tag, e);
        }
    }

    /** Receives the outcome of {@link #readAsync}. */
    interface ReadCompletion {
        void completed(long tag);

        void failed(long tag, PageReadException failure);
    }

    /** A short description for logs and reports. */
    default String describe() {
        return getClass().getSimpleName() + "[" + size() + " bytes]";
    }

    @Override
    default void close() {}
}
