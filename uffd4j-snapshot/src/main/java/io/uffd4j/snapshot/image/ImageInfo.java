package io.uffd4j.snapshot.image;

import java.nio.file.Path;

/**
 * A complete image: its header and what it holds.
 *
 * @param path           the file
 * @param header         the header
 * @param dataPages      pages stored with contents
 * @param zeroPages      pages recorded as zero (not stored)
 * @param inheritedPages pages a delta takes from its parent
 * @param fileSize       bytes on disk
 */
public record ImageInfo(Path path, ImageHeader header, long dataPages, long zeroPages, long inheritedPages, long fileSize) {}
