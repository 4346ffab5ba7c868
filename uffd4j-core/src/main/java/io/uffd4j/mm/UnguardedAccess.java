package io.uffd4j.mm;

/**
 * The explicit opt-out from guarded access (see {@link Mapping#unguardedSegment(UnguardedAccess)}).
 *
 * <p>Reading or writing a range that a handler thread of the same JVM serves, from Java code, can
 * deadlock the whole process: the faulting thread is "in Java" while the kernel holds it, so the next
 * safepoint waits for it forever while the handler waits for the safepoint (docs/safepoints.md).
 * Passing this constant says the caller knows that and has made it impossible (e.g. no safepoint can
 * start: a single-threaded tool run with a no-op collector) or accepts the risk.
 */
public enum UnguardedAccess {
    I_ACCEPT_THE_SAFEPOINT_DEADLOCK_RISK
}
