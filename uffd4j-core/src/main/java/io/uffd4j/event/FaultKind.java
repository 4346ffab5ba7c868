package io.uffd4j.event;

/** Why a page fault was reported. */
public enum FaultKind {
    /** The page is not present (range registered with MISSING). */
    MISSING,
    /** A write to a write-protected page (range registered with WP). */
    WRITE_PROTECT,
    /** The page is in the page cache but not mapped (range registered with MINOR). */
    MINOR
}
