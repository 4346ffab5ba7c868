package io.uffd4j.snapshot.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The on-disk layout, version 1 (little endian):
 * <pre>
 * [0, 4096)            header: magic "U4JSNAP1", version, page size, region size, kind, image id,
 *                      parent id, parent file name, sequence, creation time, CRC32C of the header
 * [dataOffset, ...)    data blocks, one page each, in the order pages were saved (page aligned, so a
 *                      restore can map the file and copy straight from it)
 * [indexOffset, ...)   index: per page a u64 location (state in bits 62-63, block number below) and a
 *                      u32 CRC32C of the page's contents, u32 reserved
 * last 64 bytes        footer: magic "U4JSDONE", index offset, pages, data blocks, zero pages,
 *                      inherited pages, CRC32C of the index, CRC32C of the footer
 * </pre>
 * An image is complete only with a valid footer; the writer produces {@code name.partial} and renames
 * it after the footer is on disk, so an interrupted snapshot is never mistaken for a complete one.
 */
public final class ImageFormat {
    private ImageFormat() {}

    public static final String EXTENSION = ".u4snap";
    public static final String PARTIAL_SUFFIX = ".partial";
    static final byte[] MAGIC = "U4JSNAP1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] FOOTER_MAGIC = "U4JSDONE".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER_SIZE = 4096;
    static final int FOOTER_SIZE = 64;
    static final int INDEX_ENTRY = 16;
    static final int PARENT_NAME_MAX = 512;
    static final long STATE_SHIFT = 62;
    static final long BLOCK_MASK = (1L << STATE_SHIFT) - 1;

    /**
     * Whether {@code path} is meant to be a snapshot image: named {@code *.u4snap} or {@code *.partial}, or
     * starting with the header magic (a renamed image). Such a file is never restored as raw bytes.
     */
    public static boolean isSnapshotFile(java.nio.file.Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        if (name.endsWith(EXTENSION) || name.endsWith(PARTIAL_SUFFIX)) {
            return true;
        }
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(path)) {
            return java.util.Arrays.equals(in.readNBytes(MAGIC.length), MAGIC);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    static long dataOffset(int pageSize) {
        return Math.max(HEADER_SIZE, pageSize);
    }

    static long location(PageState state, long block) {
        return ((long) state.ordinal() << STATE_SHIFT) | (block & BLOCK_MASK);
    }

    static PageState state(long location) {
        int s = (int) (location >>> STATE_SHIFT);
        if (s >= PageState.values().length) {
            throw new IllegalArgumentException("bad page state " + s);
        }
        return PageState.values()[s];
    }

    static long block(long location) {
        return location & BLOCK_MASK;
    }

    static ByteBuffer encodeHeader(ImageHeader h) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC);
        b.putInt(VERSION);
        b.putInt(h.pageSize());
        b.putLong(h.regionSize());
        b.putInt(h.kind().code());
        b.putInt(0);
        putUuid(b, h.imageId());
        putUuid(b, h.parentId());
        b.putLong(h.sequence());
        b.putLong(h.createdMillis());
        byte[] name = h.parentName() == null ? new byte[0] : h.parentName().getBytes(StandardCharsets.UTF_8);
        b.putInt(name.length);
        b.put(name);
        b.putInt(HEADER_SIZE - 4, crc(b.array(), 0, HEADER_SIZE - 4));
        b.clear();
        return b;
    }

    static ImageHeader decodeHeader(ByteBuffer b, String file) throws CorruptImageException {
        b.order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[8];
        b.get(0, magic);
        if (!java.util.Arrays.equals(magic, MAGIC)) {
            throw new CorruptImageException(file + " is not a uffd4j snapshot image (bad magic)");
        }
        byte[] all = new byte[HEADER_SIZE];
        b.get(0, all);
        if (b.getInt(HEADER_SIZE - 4) != crc(all, 0, HEADER_SIZE - 4)) {
            throw new CorruptImageException(file + ": header checksum mismatch");
        }
        b.position(8);
        int version = b.getInt();
        if (version != VERSION) {
            throw new CorruptImageException(file + ": format version " + version + " (this uffd4j reads " + VERSION + ")");
        }
        int pageSize = b.getInt();
        long regionSize = b.getLong();
        ImageKind kind = ImageKind.of(b.getInt());
        b.getInt();
        UUID id = getUuid(b);
        UUID parent = getUuid(b);
        long sequence = b.getLong();
        long created = b.getLong();
        int nameLen = b.getInt();
        if (nameLen < 0 || nameLen > PARENT_NAME_MAX) {
            throw new CorruptImageException(file + ": bad parent name length " + nameLen);
        }
        byte[] name = new byte[nameLen];
        b.get(name);
        try {
            return new ImageHeader(kind, id, parent, nameLen == 0 ? null : new String(name, StandardCharsets.UTF_8),
                    regionSize, pageSize, sequence, created);
        } catch (IllegalArgumentException e) {
            throw new CorruptImageException(file + ": " + e.getMessage());
        }
    }

    private static void putUuid(ByteBuffer b, UUID u) {
        b.putLong(u == null ? 0 : u.getMostSignificantBits());
        b.putLong(u == null ? 0 : u.getLeastSignificantBits());
    }

    private static UUID getUuid(ByteBuffer b) {
        long hi = b.getLong(), lo = b.getLong();
        return hi == 0 && lo == 0 ? null : new UUID(hi, lo);
    }

    static int crc(byte[] a, int off, int len) {
        CRC32C c = new CRC32C();
        c.update(a, off, len);
        return (int) c.getValue();
    }

    static int crc(ByteBuffer b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return (int) c.getValue();
    }
}
