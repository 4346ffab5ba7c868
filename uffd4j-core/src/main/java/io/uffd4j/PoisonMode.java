package io.uffd4j;

/** Flags of UFFDIO_POISON's mode field. */
public enum PoisonMode implements ModeFlag {
    /** Do not wake the faulting thread. */
    DONTWAKE
}
