package io.uffd4j;

/** Flags of UFFDIO_WRITEPROTECT's mode field. */
public enum WriteProtectMode implements ModeFlag {
    /** Protect the range; without it the range is unprotected. */
    WP,
    /** When unprotecting, do not wake waiting threads (not allowed together with WP). */
    DONTWAKE
}
