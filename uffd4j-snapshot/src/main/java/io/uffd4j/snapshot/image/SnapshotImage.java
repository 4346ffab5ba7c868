package io.uffd4j.snapshot.image;

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
 * A complete image, opened for reading. Opening checks the header, the completion footer and the
 * index checksum; reading a page checks its CRC32C. Thread-safe.
 */
public final class SnapshotImage implements AutoCloseable {
    private final Path path;
    private final ImageHeader header;
    private final FileChannel channel;
    private final long[] locations;
    private final int[] crcs;
    private final long dataOffset;
    private final ImageInfo info;

    private SnapshotImage(Path path, ImageHeader header, FileChannel channel, long[] locations, int[] crcs, ImageInfo info) {
        this.path = path;
        this.header = header;
        this.channel = channel;
        this.locations = locations;
        this.crcs = crcs;
        this.dataOffset = ImageFormat.dataOffset(header.pageSize());
        this.info = info;
    }

    /**
     * Opens and validates {@code path}.
     *
     * @throws IncompleteImageException if it has no completion footer (an interrupted snapshot)
     * @throws CorruptImageException    if anything else does not check out
     */
    public static SnapshotImage open(Path path) throws IOException {
        String name = path.toString();
        FileChannel ch = openChannel(path);
        try {
            Envelope e = readEnvelope(ch, name);
            ImageHeader header = e.header();
            long pages = e.pages();
            ByteBuffer ib = ByteBuffer.allocate((int) (pages * ImageFormat.INDEX_ENTRY)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, ib, e.indexOffset());
            if (ImageFormat.crc(ib.duplicate().flip().limit(ib.capacity()).position(0)) != e.indexCrc()) {
                throw new CorruptImageException(name + ": index checksum mismatch");
            }
            long[] locations = new long[(int) pages];
            int[] crcs = new int[(int) pages];
            ib.position(0);
            for (int i = 0; i < pages; i++) {
                locations[i] = ib.getLong();
                crcs[i] = ib.getInt();
                ib.getInt();
                PageState st = ImageFormat.state(locations[i]);
                if (st == PageState.DATA && ImageFormat.block(locations[i]) >= e.blocks()) {
                    throw new CorruptImageException(name + ": page " + i + " points past the data area");
                }
                if (st == PageState.INHERITED && header.kind() == ImageKind.FULL) {
                    throw new CorruptImageException(name + ": a full image cannot inherit page " + i);
                }
            }
            return new SnapshotImage(path, header, ch, locations, crcs, e.info(path));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * What a complete image is (header, footer, counts), without reading its index: checks the header,
     * the completion marker and the footer, not the index or the pages (for naming a delta's parent).
     *
     * @throws IncompleteImageException if the image is partial or was interrupted
     * @throws CorruptImageException    if the header or the footer does not check out
     */
    public static ImageInfo readInfo(Path path) throws IOException {
        try (FileChannel ch = openChannel(path)) {
            return readEnvelope(ch, path.toString()).info(path);
        }
    }

    /** The header and the footer of a complete image. */
    private record Envelope(ImageHeader header, long size, long indexOffset, long pages, long blocks, long zeros,
                            long inherited, int indexCrc) {
        ImageInfo info(Path path) {
            return new ImageInfo(path, header, blocks, zeros, inherited, size);
        }
    }

    private static FileChannel openChannel(Path path) throws IOException {
        if (path.toString().endsWith(ImageFormat.PARTIAL_SUFFIX)) {
            throw new IncompleteImageException(path + " is a partial image: its snapshot did not complete");
        }
        return FileChannel.open(path, StandardOpenOption.READ);
    }

    private static Envelope readEnvelope(FileChannel ch, String name) throws IOException {
        long size = ch.size();
        if (size < ImageFormat.HEADER_SIZE + ImageFormat.FOOTER_SIZE) {
            throw new IncompleteImageException(name + " is too short (" + size + " bytes) to be a complete image");
        }
        ByteBuffer hb = ByteBuffer.allocate(ImageFormat.HEADER_SIZE);
        readFully(ch, hb, 0);
        ImageHeader header = ImageFormat.decodeHeader(hb, name);
        ByteBuffer fb = ByteBuffer.allocate(ImageFormat.FOOTER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, fb, size - ImageFormat.FOOTER_SIZE);
        byte[] magic = new byte[8];
        fb.get(0, magic);
        if (!java.util.Arrays.equals(magic, ImageFormat.FOOTER_MAGIC)) {
            throw new IncompleteImageException(name + " has no completion marker: its snapshot was interrupted");
        }
        if (fb.getInt(ImageFormat.FOOTER_SIZE - 4) != ImageFormat.crc(fb.array(), 0, ImageFormat.FOOTER_SIZE - 4)) {
            throw new CorruptImageException(name + ": footer checksum mismatch");
        }
        fb.position(8);
        long indexOffset = fb.getLong();
        long pages = fb.getLong();
        long blocks = fb.getLong();
        long zeros = fb.getLong();
        long inherited = fb.getLong();
        int indexCrc = fb.getInt();
        if (pages != header.pages() || indexOffset + pages * ImageFormat.INDEX_ENTRY + ImageFormat.FOOTER_SIZE != size) {
            throw new CorruptImageException(name + ": footer does not match the header or the file size");
        }
        return new Envelope(header, size, indexOffset, pages, blocks, zeros, inherited, indexCrc);
    }

    public Path path() {
        return path;
    }

    public ImageHeader header() {
        return header;
    }

    public ImageInfo info() {
        return info;
    }

    public long pages() {
        return locations.length;
    }

    public PageState state(long page) {
        return ImageFormat.state(locations[checkPage(page)]);
    }

    /** The stored CRC32C of a DATA page. */
    public int checksum(long page) {
        return crcs[checkPage(page)];
    }

    /** File offset of a DATA page's contents (page aligned), e.g. to copy from a mapping of the file. */
    public long dataOffset(long page) {
        long loc = locations[checkPage(page)];
        if (ImageFormat.state(loc) != PageState.DATA) {
            throw new IllegalArgumentException("page " + page + " is " + ImageFormat.state(loc) + ", not DATA");
        }
        return dataOffset + ImageFormat.block(loc) * header.pageSize();
    }

    /**
     * Reads page {@code page} into {@code dst} (one page) and checks its CRC32C; ZERO pages read as zeros.
     *
     * @throws IllegalStateException for an INHERITED page (read it through a {@link SnapshotChain})
     * @throws CorruptImageException if the stored page fails its checksum
     */
    public void readPage(long page, MemorySegment dst) throws IOException {
        int i = checkPage(page);
        int ps = header.pageSize();
        if (dst.byteSize() != ps) {
            throw new IllegalArgumentException("a page is " + ps + " bytes, got " + dst.byteSize());
        }
        switch (ImageFormat.state(locations[i])) {
            case ZERO -> dst.fill((byte) 0);
            case INHERITED -> throw new IllegalStateException("page " + page + " of " + path
                    + " is inherited from its parent; read it through a SnapshotChain");
            case DATA -> {
                ByteBuffer b = dst.asByteBuffer();
                readFully(channel, b, dataOffset(page));
                b.flip();
                CRC32C c = new CRC32C();
                c.update(b);
                if ((int) c.getValue() != crcs[i]) {
                    throw new CorruptImageException(path + ": page " + page + " fails its checksum");
                }
            }
        }
    }

    /** Maps the file read-only (for copying DATA pages straight from the page cache). */
    public MemorySegment map(Arena arena) throws IOException {
        return channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
    }

    /** Reads every DATA page and checks its checksum. */
    public void verify() throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(header.pageSize(), 4096);
            for (long p = 0; p < locations.length; p++) {
                if (state(p) == PageState.DATA) {
                    readPage(p, buf);
                }
            }
        }
    }

    private int checkPage(long page) {
        if (page < 0 || page >= locations.length) {
            throw new IndexOutOfBoundsException("page " + page + " of " + locations.length + " in " + path);
        }
        return (int) page;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        long pos = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, pos);
            if (n < 0) {
                throw new CorruptImageException("unexpected end of file at " + pos);
            }
            pos += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public String toString() {
        return "SnapshotImage[" + path + ", " + header.kind() + " #" + header.sequence() + "]";
    }
}
