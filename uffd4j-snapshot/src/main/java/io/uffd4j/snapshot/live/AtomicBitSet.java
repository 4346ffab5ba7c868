package io.uffd4j.snapshot.live;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLongArray;

/** A fixed-size bit set that several threads may set concurrently. */
final class AtomicBitSet {
    private final AtomicLongArray words;

    AtomicBitSet(int bits) {
        words = new AtomicLongArray((bits + 63) >>> 6);
    }

    void set(int bit) {
        int i = bit >>> 6;
        long mask = 1L << bit;
        long w;
        do {
            w = words.get(i);
            if ((w & mask) != 0) {
                return;
            }
        } while (!words.compareAndSet(i, w, w | mask));
    }

    boolean get(int bit) {
        return (words.get(bit >>> 6) & (1L << bit)) != 0;
    }

    BitSet toBitSet() {
        long[] copy = new long[words.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = words.get(i);
        }
        return BitSet.valueOf(copy);
    }
}
