package io.uffd4j.snapshot;

import io.uffd4j.pager.source.PageReadException;
import io.uffd4j.pager.source.PageSource;
import io.uffd4j.pager.source.SourceConfig;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.snapshot.image.PageState;
import io.uffd4j.snapshot.image.SnapshotChain;
import io.uffd4j.snapshot.image.SnapshotImage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;

/**
 * A page source that reads a snapshot image (or a chain of a full image and deltas): restoring a
 * snapshot is opening a lazy region on it. Every page it serves is checked against the image's
 * CRC32C; an incomplete or corrupt image is refused when the region opens.
 */
public final class SnapshotImageSource implements PageSource {
    private final SnapshotChain chain;
    private final long size;
    private final long pageSize;

    /** Config: {@code path} = the newest image of the chain. */
    public SnapshotImageSource(SourceConfig config) {
        String path = config.string("path");
        try {
            this.chain = SnapshotChain.open(Path.of(path));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot restore " + path + ": " + e.getMessage(), e);
        }
        this.pageSize = chain.header().pageSize();
        this.size = chain.header().regionSize();
        if (config.pageSize() != pageSize) {
            throw new IllegalArgumentException("the image has pages of " + pageSize + " bytes, the region " + config.pageSize());
        }
    }

    /** The spec of a region restored from {@code newestImage}. */
    public static SourceSpec spec(Path newestImage) {
        return new SourceSpec(SnapshotImageSource.class.getName(), Map.of("path", newestImage.toAbsolutePath().toString()));
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long offset, MemorySegment dst, long dstOffset, long length) throws PageReadException {
        for (long o = 0; o < length; o += pageSize) {
            long page = (offset + o) / pageSize;
            MemorySegment target = dst.asSlice(dstOffset + o, pageSize);
            if (offset + o >= size) {
                target.fill((byte) 0);
                continue;
            }
            try {
                chain.readPage(page, target);
            } catch (IOException e) {
                throw new PageReadException(offset + o, "snapshot page " + page + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public boolean isZero(long offset, long length) {
        if (offset >= size) {
            return true;
        }
        for (long o = 0; o < length; o += pageSize) {
            long off = offset + o;
            if (off < size && chain.state(off / pageSize) != PageState.ZERO) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String describe() {
        SnapshotImage newest = chain.newest();
        return "snapshot " + newest.path() + " (" + chain.images().size() + " image(s))";
    }

    @Override
    public void close() {
        try {
            chain.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
