package io.uffd4j.snapshot.image;

/** What an image records for one page. */
public enum PageState {
    /** All zeros (or never populated): nothing stored. */
    ZERO,
    /** Contents stored in a data block, with a CRC32C. */
    DATA,
    /** Unchanged since the parent image (deltas only): read the parent. */
    INHERITED
}
