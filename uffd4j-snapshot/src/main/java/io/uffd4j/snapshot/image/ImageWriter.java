package io.uffd4j.snapshot.image;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Writes one image. Pages may arrive in any order (faulted pages first, then the background stream);
 * zero pages are elided; each stored page gets a CRC32C. {@link #complete()} writes the index and the
 * completion footer, syncs, and renames {@code name.partial} to {@code name}. Until then the file on disk
 * is an incomplete image that no reader accepts; {@link #abort()} (or close without complete) deletes it.
 *
 * <p>Thread-safe: writers from several threads are serialized.
 */
public final class ImageWriter implements PageSink {
    private static final long UNRECORDED = -1;

    private final Path target;
    private final Path partial;
    private final ImageHeader header;
    private final FileChannel channel;
    private final long[] locations;
    private final int[] crcs;
    private final int pageSize;
    private final long dataOffset;
    private long blocks;
    private long recorded;
    private long zeros;
    private boolean finished;

    private ImageWriter(Path target, ImageHeader header, FileChannel channel) {
        this.target = target;
        this.partial = partialOf(target);
        this.header = header;
        this.channel = channel;
        long pages = header.pages();
        if (pages > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("region too large for one image: " + pages + " pages");
        }
        this.locations = new long[(int) pages];
        this.crcs = new int[(int) pages];
        Arrays.fill(locations, UNRECORDED);
        this.pageSize = header.pageSize();
        this.dataOffset = ImageFormat.dataOffset(pageSize);
    }

    public static Path partialOf(Path target) {
        return target.resolveSibling(target.getFileName() + ImageFormat.PARTIAL_SUFFIX);
    }

    /** Starts {@code target.partial}; fails if {@code target} exists (images are never overwritten). */
    public static ImageWriter create(Path target, ImageHeader header) throws IOException {
        if (Files.exists(target)) {
            throw new java.nio.file.FileAlreadyExistsException(target + " exists; snapshot images are never overwritten");
        }
        Path partial = partialOf(target);
        FileChannel ch = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE, StandardOpenOption.READ);
        try {
            ByteBuffer h = ImageFormat.encodeHeader(header);
            writeFully(ch, h, 0);
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(partial);
            throw e;
        }
        return new ImageWriter(target, header, ch);
    }

    @Override
    public ImageHeader header() {
        return header;
    }

    /**
     * Records page {@code page} with {@code contents} (exactly one page; native or heap). An all-zero page
     * is recorded as ZERO without storing it.
     *
     * @throws IllegalStateException if the page was recorded already
     */
    @Override
    public synchronized void writePage(long page, MemorySegment contents) throws IOException {
        int i = checkPage(page);
        if (contents.byteSize() != pageSize) {
            throw new IllegalArgumentException("a page is " + pageSize + " bytes, got " + contents.byteSize());
        }
        if (isZero(contents)) {
            locations[i] = ImageFormat.location(PageState.ZERO, 0);
            zeros++;
            recorded++;
            return;
        }
        ByteBuffer buf = contents.asByteBuffer();
        CRC32C crc = new CRC32C();
        crc.update(buf.duplicate());
        long block = blocks;
        writeFully(channel, buf, dataOffset + block * pageSize);
        blocks++;
        locations[i] = ImageFormat.location(PageState.DATA, block);
        crcs[i] = (int) crc.getValue();
        recorded++;
    }

    /** Records several pages with one gathering write of the non-zero ones (appended in order). */
    private final CRC32C crc = new CRC32C();
    private ByteBuffer[] gather = new ByteBuffer[64];

    @Override
    public synchronized void writePages(long[] pages, MemorySegment[] contents, int n) throws IOException {
        if (gather.length < n) {
            gather = new ByteBuffer[n];
        }
        ByteBuffer[] buffers = gather;
        int data = 0;
        long firstBlock = blocks;
        for (int k = 0; k < n; k++) {
            int i = checkPage(pages[k]);
            MemorySegment c = contents[k];
            if (c.byteSize() != pageSize) {
                throw new IllegalArgumentException("a page is " + pageSize + " bytes, got " + c.byteSize());
            }
            if (isZero(c)) {
                locations[i] = ImageFormat.location(PageState.ZERO, 0);
                zeros++;
                recorded++;
                continue;
            }
            ByteBuffer buf = c.asByteBuffer();
            crc.reset();
            crc.update(buf);
            buf.rewind();
            crcs[i] = (int) crc.getValue();
            locations[i] = ImageFormat.location(PageState.DATA, firstBlock + data);
            buffers[data++] = buf;
            recorded++;
        }
        if (data > 0) {
            long position = dataOffset + firstBlock * pageSize;
            long remaining = (long) data * pageSize;
            int from = 0;
            while (remaining > 0) {
                channel.position(position);
                long w = channel.write(buffers, from, data - from);
                remaining -= w;
                position += w;
                while (from < data && !buffers[from].hasRemaining()) {
                    from++;
                }
            }
            blocks += data;
            java.util.Arrays.fill(buffers, 0, data, null);
        }
    }

    /** Records page {@code page} as all zeros (never populated at the snapshot instant). */
    @Override
    public synchronized void markZero(long page) {
        int i = checkPage(page);
        locations[i] = ImageFormat.location(PageState.ZERO, 0);
        zeros++;
        recorded++;
    }

    public synchronized boolean isRecorded(long page) {
        return locations[(int) page] != UNRECORDED;
    }

    public synchronized long recordedPages() {
        return recorded;
    }

    private int checkPage(long page) {
        if (finished) {
            throw new IllegalStateException("image " + target + " is already finished");
        }
        if (page < 0 || page >= locations.length) {
            throw new IndexOutOfBoundsException("page " + page + " of " + locations.length);
        }
        if (locations[(int) page] != UNRECORDED) {
            throw new IllegalStateException("page " + page + " recorded twice in " + target);
        }
        return (int) page;
    }

    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[1 << 21]);

    private static boolean isZero(MemorySegment s) {
        long n = s.byteSize();
        for (long off = 0; off < n; off += ZEROS.byteSize()) {
            long len = Math.min(ZEROS.byteSize(), n - off);
            if (MemorySegment.mismatch(s, off, off + len, ZEROS, 0, len) != -1) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes the index and the completion footer, syncs and renames the file into place. A full image
     * must have every page recorded; pages a delta did not record are INHERITED from its parent.
     */
    @Override
    public synchronized ImageInfo complete() throws IOException {
        if (finished) {
            throw new IllegalStateException("image " + target + " is already finished");
        }
        long inherited = 0;
        for (int i = 0; i < locations.length; i++) {
            if (locations[i] == UNRECORDED) {
                if (header.kind() == ImageKind.FULL) {
                    throw new IllegalStateException("full image " + target + " is missing page " + i
                            + " (" + (locations.length - recorded) + " pages unrecorded)");
                }
                locations[i] = ImageFormat.location(PageState.INHERITED, 0);
                inherited++;
            }
        }
        long indexOffset = dataOffset + blocks * pageSize;
        ByteBuffer index = ByteBuffer.allocate(locations.length * ImageFormat.INDEX_ENTRY).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < locations.length; i++) {
            index.putLong(locations[i]).putInt(crcs[i]).putInt(0);
        }
        index.flip();
        int indexCrc = ImageFormat.crc(index.duplicate());
        writeFully(channel, index, indexOffset);
        channel.force(true);
        ByteBuffer footer = ByteBuffer.allocate(ImageFormat.FOOTER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        footer.put(ImageFormat.FOOTER_MAGIC).putLong(indexOffset).putLong(locations.length).putLong(blocks)
                .putLong(zeros).putLong(inherited).putInt(indexCrc);
        footer.putInt(ImageFormat.FOOTER_SIZE - 4, ImageFormat.crc(footer.array(), 0, ImageFormat.FOOTER_SIZE - 4));
        footer.clear();
        long fileSize = indexOffset + index.capacity() + ImageFormat.FOOTER_SIZE;
        writeFully(channel, footer, fileSize - ImageFormat.FOOTER_SIZE);
        channel.force(true);
        channel.close();
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        syncDirectory(target.toAbsolutePath().getParent());
        finished = true;
        return new ImageInfo(target, header, blocks, zeros, inherited, fileSize);
    }

    /** Deletes the partial file. Idempotent; a no-op after {@link #complete()}. */
    @Override
    public synchronized void abort() {
        if (finished) {
            return;
        }
        finished = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // deleting is what matters
        }
        try {
            Files.deleteIfExists(partial);
        } catch (IOException ignored) {
            // a leftover .partial is never read as an image
        }
    }

    @Override
    public void close() {
        abort();
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            pos += ch.write(b, pos);
        }
    }

    private static void syncDirectory(Path dir) {
        if (dir == null) {
            return;
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // not every file system lets a directory be synced; the rename is still atomic
        }
    }
}
