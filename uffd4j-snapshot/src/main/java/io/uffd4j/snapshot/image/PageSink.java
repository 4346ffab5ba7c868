package io.uffd4j.snapshot.image;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/** Where a snapshot's pages go: an image file ({@link ImageWriter}) or anything that stores pages. */
public interface PageSink extends AutoCloseable {
    ImageHeader header();

    /** Records a page's contents (exactly one page). */
    void writePage(long page, MemorySegment contents) throws IOException;

    /** Records pages {@code pages[0..n)} with {@code contents[0..n)}; sinks that can write them at once do. */
    default void writePages(long[] pages, MemorySegment[] contents, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            writePage(pages[i], contents[i]);
        }
    }

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
