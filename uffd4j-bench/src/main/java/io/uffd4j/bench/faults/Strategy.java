package io.uffd4j.bench.faults;

import com.fasterxml.jackson.annotation.JsonValue;

import io.uffd4j.serve.WaitStrategy;

import java.time.Duration;

/** How the handler thread waits for the next message; the C reference implements the same three. */
public enum Strategy {
    BLOCK("block"),
    SPIN("spin"),
    SPIN_THEN_BLOCK("spin-then-block"),
    /** Configurations without a handler (the floor). */
    NONE("none");

    private final String key;

    Strategy(String key) {
        this.key = key;
    }

    @JsonValue
    public String key() {
        return key;
    }

    WaitStrategy waitStrategy(long spinWindowNanos) {
        return switch (this) {
            case BLOCK, NONE -> WaitStrategy.block();
            case SPIN -> WaitStrategy.spin();
            case SPIN_THEN_BLOCK -> WaitStrategy.spinThenBlock(Duration.ofNanos(spinWindowNanos));
        };
    }

    public static Strategy parse(String s) {
        for (Strategy st : values()) {
            if (st != NONE && st.key.equalsIgnoreCase(s.trim())) {
                return st;
            }
        }
        throw new IllegalArgumentException("unknown strategy '" + s + "' (expected one of block, spin, spin-then-block)");
    }
}
