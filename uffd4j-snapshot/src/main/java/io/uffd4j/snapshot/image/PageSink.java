package io.uffd4j.snapshot.image;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** Where a snapshot's pages go: an image file ({@link ImageWriter}) or anything that stores pages. */
public interface PageSink extends AutoCloseable {
    ImageHeader header();

    /** Records a page's contents (exactly one page). */
    void writePage(long page, MemorySegment contents) throws IOException;

    /** Records a page as all zeros without contents. */
    void markZero(long page);

    /** Makes the result durable and complete; nothing before this call may be taken for a complete image. */
    ImageInfo complete() throws IOException;

    /** Discards everything written. Idempotent. */
    void abort();

    @Override
    default void close() {
        abort();
    }
}
