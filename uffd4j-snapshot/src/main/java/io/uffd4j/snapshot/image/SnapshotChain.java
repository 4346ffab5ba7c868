package io.uffd4j.snapshot.image;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A full image and the deltas taken after it, read as one: a page comes from the newest image that
 * does not inherit it. Opening checks that each delta's parent id matches the image before it.
 */
public final class SnapshotChain implements AutoCloseable {
    private final List<SnapshotImage> images;

    private SnapshotChain(List<SnapshotImage> images) {
        this.images = List.copyOf(images);
    }

    /**
     * Opens {@code newest} and, following the parent names recorded in each delta, its ancestors in the
     * same directory, down to the full image.
     */
    public static SnapshotChain open(Path newest) throws IOException {
        List<SnapshotImage> chain = new ArrayList<>();
        try {
            SnapshotImage img = SnapshotImage.open(newest);
            chain.add(img);
            while (img.header().kind() == ImageKind.DELTA) {
                String parentName = img.header().parentName();
                if (parentName == null) {
                    throw new CorruptImageException(img.path() + " is a delta without a parent name");
                }
                Path parentPath = img.path().resolveSibling(parentName);
                if (!Files.exists(parentPath)) {
                    throw new CorruptImageException(img.path() + " needs its parent " + parentPath + ", which is missing");
                }
                SnapshotImage parent = SnapshotImage.open(parentPath);
                chain.add(parent);
                if (!parent.header().imageId().equals(img.header().parentId())) {
                    throw new CorruptImageException(img.path() + " was taken after image " + img.header().parentId()
                            + ", but " + parentPath + " is image " + parent.header().imageId());
                }
                if (parent.header().regionSize() != img.header().regionSize()
                        || parent.header().pageSize() != img.header().pageSize()) {
                    throw new CorruptImageException(img.path() + " and its parent describe different regions");
                }
                img = parent;
            }
        } catch (IOException | RuntimeException e) {
            for (SnapshotImage i : chain) {
                i.close();
            }
            throw e;
        }
        Collections.reverse(chain);
        return new SnapshotChain(chain);
    }

    /** Full image first, newest delta last. */
    public List<SnapshotImage> images() {
        return images;
    }

    public SnapshotImage newest() {
        return images.getLast();
    }

    public ImageHeader header() {
        return newest().header();
    }

    /** The image that holds page {@code page}'s contents (never one that inherits it). */
    public SnapshotImage owner(long page) {
        for (int i = images.size() - 1; i >= 0; i--) {
            if (images.get(i).state(page) != PageState.INHERITED) {
                return images.get(i);
            }
        }
        throw new IllegalStateException("page " + page + " is inherited by every image of the chain");
    }

    /** Reads page {@code page} as of the newest image, checking its checksum. */
    public void readPage(long page, MemorySegment dst) throws IOException {
        owner(page).readPage(page, dst);
    }

    public PageState state(long page) {
        return owner(page).state(page);
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SnapshotImage i : images) {
            try {
                i.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
