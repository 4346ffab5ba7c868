package io.uffd4j.testkit;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting for a condition that has no event to wait on (a counter, /proc), instead of sleeping a guessed
 * time: polls it, and the deadline only guards against a hang (it is never what a test waits for).
 */
public final class Await {
    private static final long POLL_NANOS = 1_000_000;

    private Await() {}

    /** Returns once {@code condition} holds; fails naming {@code what} if it does not within {@code hangGuard}. */
    public static void until(BooleanSupplier condition, Duration hangGuard, Supplier<String> what) {
        if (!poll(condition, hangGuard)) {
            throw new AssertionError("not within " + hangGuard + ": " + what.get());
        }
    }

    /** Whether {@code condition} came to hold within {@code hangGuard} (for callers that must clean up first). */
    public static boolean poll(BooleanSupplier condition, Duration hangGuard) {
        long deadline = System.nanoTime() + hangGuard.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(POLL_NANOS);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                return condition.getAsBoolean();
            }
        }
        return true;
    }
}
