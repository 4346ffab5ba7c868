package io.uffd4j.pager.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;

/**
 * A raw image file: byte {@code i} of the region is byte {@code i} of the file. The file is mapped
 * read-only in the pager, so whole pages are resolved straight from the page cache (COPY reads the
 * mapping; no copy in user space). If {@code FILE.crc32c} exists (see {@link Checksums}), or
 * {@code checksums=PATH} is configured, every page is verified against it.
 *
 * <p>Configuration: {@code path} (required), {@code checksums} (optional path, or {@code none}).
 */
public final class ImageFileSource implements PageSource {
    private static final java.lang.foreign.ValueLayout.OfInt LE_INT = JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment image;
    private final long size;
    private final long fullPagesEnd;
    private final MemorySegment sums;
    private final long sumsPageSize;

    public ImageFileSource(SourceConfig config) {
        this.path = Path.of(config.string("path"));
        long page = config.pageSize();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            this.size = ch.size();
            this.image = size == 0 ? MemorySegment.NULL : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            String sumsOption = config.string("checksums", "");
            Path sumsPath = sumsOption.isEmpty() ? Checksums.checksumFile(path)
                    : sumsOption.equals("none") ? null : Path.of(sumsOption);
            if (sumsPath != null && Files.exists(sumsPath)) {
                try (FileChannel sc = FileChannel.open(sumsPath, StandardOpenOption.READ)) {
                    long expected = 4 * ((size + page - 1) / page);
                    if (sc.size() != expected) {
                        throw new IllegalArgumentException("checksum file " + sumsPath + " has " + sc.size()
                                + " bytes; an image of " + size + " bytes in pages of " + page + " needs " + expected);
                    }
                    this.sums = expected == 0 ? null : sc.map(FileChannel.MapMode.READ_ONLY, 0, expected, arena);
                }
            } else {
                this.sums = null;
            }
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot open image " + path + ": " + e.getMessage(), e);
        }
        this.sumsPageSize = page;
        this.fullPagesEnd = size - size % page;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long offset, MemorySegment dst, long dstOffset, long length) throws PageReadException {
        long inFile = Math.max(0, Math.min(length, size - offset));
        try {
            if (inFile > 0) {
                MemorySegment.copy(image, offset, dst, dstOffset, inFile);
            }
            if (inFile < length) {
                dst.asSlice(dstOffset + inFile, length - inFile).fill((byte) 0);
            }
        } catch (RuntimeException e) {
            // An I/O error on a mapped file surfaces as an InternalError/RuntimeException in the copy.
            throw new PageReadException(offset, "reading " + path + " at " + offset + ": " + e, e);
        } catch (InternalError e) {
            throw new PageReadException(offset, "I/O error reading " + path + " at " + offset + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long directAddress(long offset, long length) {
        return offset + length <= fullPagesEnd ? image.address() + offset : 0;
    }

    @Override
    public boolean hasChecksums() {
        return sums != null;
    }

    @Override
    public long checksum(long pageIndex, long pageSize) {
        if (sums == null || pageSize != sumsPageSize || pageIndex * 4 + 4 > sums.byteSize()) {
            return NO_CHECKSUM;
        }
        return sums.get(LE_INT, pageIndex * 4) & 0xffffffffL;
    }

    @Override
    public String describe() {
        return "image " + path + " (" + size + " bytes" + (sums != null ? ", per-page CRC32C" : "") + ")";
    }

    @Override
    public void close() {
        arena.close();
    }
}
