package io.uffd4j;

/** Flags of UFFDIO_COPY's mode field. */
public enum CopyMode implements ModeFlag {
    /** Do not wake the faulting thread; wake it later with UFFDIO_WAKE. */
    DONTWAKE,
    /** Map the page write-protected (the range must be registered with WP). */
    WP
}
