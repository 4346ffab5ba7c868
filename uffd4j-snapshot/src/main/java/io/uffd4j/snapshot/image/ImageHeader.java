package io.uffd4j.snapshot.image;

import java.util.Objects;
import java.util.UUID;

/**
 * The fixed header of a snapshot image.
 *
 * @param kind          full or delta
 * @param imageId       this image's identity
 * @param parentId      the image a delta applies to (null for a full image)
 * @param parentName    file name of the parent, a hint for finding it next to this one (null for full)
 * @param regionSize    bytes of the region
 * @param pageSize      bytes per page
 * @param sequence      0 for a full image, n for the n-th delta of a chain
 * @param createdMillis when the snapshot instant was (epoch milliseconds)
 */
public record ImageHeader(ImageKind kind, UUID imageId, UUID parentId, String parentName, long regionSize,
                          int pageSize, long sequence, long createdMillis) {
    public ImageHeader {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(imageId);
        if (pageSize < 4096 || Integer.bitCount(pageSize) != 1) {
            throw new IllegalArgumentException("page size must be a power of two >= 4096, was " + pageSize);
        }
        if (regionSize <= 0 || regionSize % pageSize != 0) {
            throw new IllegalArgumentException("region size " + regionSize + " must be a positive multiple of " + pageSize);
        }
        if ((kind == ImageKind.DELTA) != (parentId != null)) {
            throw new IllegalArgumentException("a delta needs a parent id and a full image must not have one");
        }
        if (parentName != null && parentName.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > ImageFormat.PARENT_NAME_MAX) {
            throw new IllegalArgumentException("parent file name longer than " + ImageFormat.PARENT_NAME_MAX + " bytes");
        }
    }

    public static ImageHeader full(long regionSize, int pageSize) {
        return new ImageHeader(ImageKind.FULL, UUID.randomUUID(), null, null, regionSize, pageSize, 0,
                System.currentTimeMillis());
    }

    public static ImageHeader delta(ImageInfo parent, String parentName) {
        ImageHeader p = parent.header();
        return new ImageHeader(ImageKind.DELTA, UUID.randomUUID(), p.imageId(), parentName, p.regionSize(),
                p.pageSize(), p.sequence() + 1, System.currentTimeMillis());
    }

    public long pages() {
        return regionSize / pageSize;
    }
}
