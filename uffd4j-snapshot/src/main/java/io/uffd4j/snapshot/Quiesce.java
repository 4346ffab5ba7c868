package io.uffd4j.snapshot;

/**
 * How the snapshot instant is made consistent across pages. Write-protecting a region takes time
 * (about 0.2-0.3 ms per GiB of populated huge pages, tens of ms per GiB of 4 KiB pages), and a write
 * during it could land on a page before or after its protection.
 */
public enum Quiesce {
    /**
     * Stop the whole application process (SIGSTOP) for the instant, then resume it (SIGCONT), the way
     * fork() pauses a process while copying its page tables. Needs no cooperation; the pause is measured.
     */
    STOP_PROCESS,
    /**
     * Do not stop anything: the caller has quiesced its writers (e.g. holds its own write lock) for the
     * duration of the snapshot call.
     */
    CALLER
}
