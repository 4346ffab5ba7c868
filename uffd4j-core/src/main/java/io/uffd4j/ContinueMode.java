package io.uffd4j;

/** Flags of UFFDIO_CONTINUE's mode field. */
public enum ContinueMode implements ModeFlag {
    /** Do not wake the faulting thread. */
    DONTWAKE,
    /** Map the page write-protected (Linux 6.4). */
    WP
}
