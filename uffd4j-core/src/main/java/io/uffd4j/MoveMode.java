package io.uffd4j;

/** Flags of UFFDIO_MOVE's mode field. */
public enum MoveMode implements ModeFlag {
    /** Do not wake the faulting thread. */
    DONTWAKE,
    /** Count holes in the source as moved instead of failing with ENOENT. */
    ALLOW_SRC_HOLES
}
