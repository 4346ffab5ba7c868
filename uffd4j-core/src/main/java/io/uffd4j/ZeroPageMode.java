package io.uffd4j;

/** Flags of UFFDIO_ZEROPAGE's mode field. */
public enum ZeroPageMode implements ModeFlag {
    /** Do not wake the faulting thread. */
    DONTWAKE
}
