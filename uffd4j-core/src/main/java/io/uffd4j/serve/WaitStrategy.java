package io.uffd4j.serve;

import java.time.Duration;

/**
 * How a fault-server thread waits for the next message. Cross-CPU wake-ups dominate fault latency, so
 * spinning trades a core for latency; see docs/benchmarks.md for the measured trade-off.
 */
public sealed interface WaitStrategy {
    /** poll(2) on the userfaultfd and the stop eventfd: no CPU while idle, a wake-up per fault. */
    record Block() implements WaitStrategy {}

    /** Non-blocking reads in a loop: lowest latency, one core busy per server thread. */
    record Spin() implements WaitStrategy {}

    /** Spin for {@code spin} after the last message, then block: low latency under load, idle when quiet. */
    record SpinThenBlock(Duration spin) implements WaitStrategy {
        public SpinThenBlock {
            java.util.Objects.requireNonNull(spin, "spin");
            if (spin.isNegative()) {
                throw new IllegalArgumentException("spin " + spin + " is negative (accepted: 0 or more)");
            }
        }
    }

    static WaitStrategy block() {
        return new Block();
    }

    static WaitStrategy spin() {
        return new Spin();
    }

    static WaitStrategy spinThenBlock(Duration spin) {
        return new SpinThenBlock(spin);
    }
}
