package io.uffd4j.pager.source;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * Per-page CRC32C, the checksum sources report and the pager verifies. The checksum file of an image
 * ({@code IMAGE.crc32c}) holds one little-endian 32-bit CRC32C per page, in page order.
 */
public final class Checksums {
    private Checksums() {}

    /** CRC32C of native memory through a reusable {@code view} of it (no allocation). */
    public static long crc32c(CRC32C crc, ByteBuffer view, long offsetInView, int length) {
        crc.reset();
        view.limit((int) offsetInView + length).position((int) offsetInView);
        crc.update(view);
        return crc.getValue();
    }

    /** CRC32C of a segment (allocates a buffer view; for tools and tests). */
    public static long crc32c(MemorySegment s) {
        CRC32C crc = new CRC32C();
        crc.update(s.asByteBuffer());
        return crc.getValue();
    }

    /** The checksum file that goes with {@code image}. */
    public static Path checksumFile(Path image) {
        return image.resolveSibling(image.getFileName() + ".crc32c");
    }

    /** Writes the per-page checksum file of {@code image} (pages of {@code pageSize}, the last one zero-padded). */
    public static Path writeChecksumFile(Path image, long pageSize) throws IOException {
        Path out = checksumFile(image);
        try (FileChannel in = FileChannel.open(image, StandardOpenOption.READ);
             FileChannel w = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING);
             Arena arena = Arena.ofConfined()) {
            long size = in.size();
            long pages = (size + pageSize - 1) / pageSize;
            MemorySegment page = arena.allocate(pageSize, pageSize);
            ByteBuffer pb = page.asByteBuffer();
            ByteBuffer outBuf = ByteBuffer.allocate(4096 * 4).order(ByteOrder.LITTLE_ENDIAN);
            CRC32C crc = new CRC32C();
            for (long p = 0; p < pages; p++) {
                page.fill((byte) 0);
                pb.clear();
                long pos = p * pageSize;
                while (pb.hasRemaining() && pos + pb.position() < size) {
                    if (in.read(pb, pos + pb.position()) < 0) {
                        break;
                    }
                }
                outBuf.putInt((int) crc32c(crc, pb, 0, (int) pageSize));
                if (!outBuf.hasRemaining()) {
                    outBuf.flip();
                    while (outBuf.hasRemaining()) {
                        w.write(outBuf);
                    }
                    outBuf.clear();
                }
            }
            outBuf.flip();
            while (outBuf.hasRemaining()) {
                w.write(outBuf);
            }
        }
        return out;
    }
}
