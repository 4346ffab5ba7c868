package io.uffd4j.snapshot;

/**
 * How the snapshot instant is made consistent across pages. Write-protecting a region takes time
 * (about 0.2-0.6 ms per GiB of populated huge pages, tens of ms per GiB of 4 KiB pages), and a write
 * issued while it runs lands before or after the instant depending on whether its page was protected
 * yet.
 */
public enum Quiesce {
    /**
     * Stop the whole application process (SIGSTOP) for the instant, then resume it (SIGCONT): exact
     * across pages without the application's cooperation. The pause is the kernel's group stop (a few
     * milliseconds for a JVM's threads on a busy 2-core machine) plus arming.
     */
    STOP_PROCESS,
    /**
     * Do not stop anything. Exact if the caller keeps its writers out for the duration of the snapshot
     * call (e.g. holds its own write lock); otherwise the same guarantee fork() gives: writes concurrent
     * with arming may land on either side of the instant, page by page. The pause is the arming alone.
     */
    NONE
}
