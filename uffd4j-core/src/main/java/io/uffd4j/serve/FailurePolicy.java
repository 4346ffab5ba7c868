package io.uffd4j.serve;

import java.time.Duration;

/**
 * What a fault server does when a handler fails: retry up to {@code attempts} times with a backoff
 * doubling from {@code firstBackoff} to {@code maxBackoff}, then give up as {@code onGiveUp} says.
 * Every failure is reported (listener, log, counters); a failing handler is never silent.
 */
public record FailurePolicy(int attempts, Duration firstBackoff, Duration maxBackoff, GiveUp onGiveUp) {
    /** What happens after the last attempt. */
    public enum GiveUp {
        /**
         * Poison the page (UFFDIO_POISON) so that the access fails instead of waiting: a guarded
         * access in CHECKED mode gets {@code PageUnavailableException}. Pages of ranges accessed in
         * DIRECT mode are never poisoned (the access would raise SIGBUS in native code and end the JVM);
         * the server keeps retrying those.
         */
        POISON,
        /** Keep retrying at {@code maxBackoff}, reporting each failure. */
        KEEP_RETRYING
    }

    public FailurePolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("attempts " + attempts + " is out of range (accepted: 1 or more)");
        }
        java.util.Objects.requireNonNull(firstBackoff, "firstBackoff");
        java.util.Objects.requireNonNull(maxBackoff, "maxBackoff");
        java.util.Objects.requireNonNull(onGiveUp, "onGiveUp");
        if (firstBackoff.isNegative() || maxBackoff.compareTo(firstBackoff) < 0) {
            throw new IllegalArgumentException("firstBackoff " + firstBackoff + " and maxBackoff " + maxBackoff
                    + " are out of range (accepted: 0 <= firstBackoff <= maxBackoff)");
        }
    }

    /** 5 attempts, 1 ms doubling to 1 s, then poison where that is safe. */
    public static FailurePolicy defaults() {
        return new FailurePolicy(5, Duration.ofMillis(1), Duration.ofSeconds(1), GiveUp.POISON);
    }

    long backoffNanos(int attempt) {
        long first = firstBackoff.toNanos();
        long max = maxBackoff.toNanos();
        int shift = Math.min(attempt - 1, 40);
        long b = first << shift;
        return b < 0 || b > max ? max : b;
    }
}
