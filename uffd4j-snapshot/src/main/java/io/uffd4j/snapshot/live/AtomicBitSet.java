package io.uffd4j.snapshot.live;

import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLongArray;

/** A fixed-size bit set that several threads may set, and one thread drain, concurrently. */
public final class AtomicBitSet {
    private final AtomicLongArray words;
    private final int bits;

    public AtomicBitSet(int bits) {
        if (bits < 0) {
            throw new IllegalArgumentException("negative size " + bits);
        }
        this.bits = bits;
        words = new AtomicLongArray((bits + 63) >>> 6);
    }

    /** How many bits the set holds. */
    public int size() {
        return bits;
    }

    public void set(int bit) {
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

    /** Sets the bits [from, to), clamped to the set's size. */
    public void set(int from, int to) {
        for (int b = Math.max(0, from); b < Math.min(to, bits); b++) {
            set(b);
        }
    }

    public boolean get(int bit) {
        return (words.get(bit >>> 6) & (1L << bit)) != 0;
    }

    public void clear() {
        for (int i = 0; i < words.length(); i++) {
            words.set(i, 0);
        }
    }

    /** Moves every set bit into {@code target} and clears it here, without losing a bit set meanwhile. */
    public void drainInto(BitSet target) {
        for (int i = 0; i < words.length(); i++) {
            long w = words.getAndSet(i, 0);
            while (w != 0) {
                int low = Long.numberOfTrailingZeros(w);
                target.set((i << 6) + low);
                w &= w - 1;
            }
        }
    }

    public BitSet toBitSet() {
        long[] copy = new long[words.length()];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = words.get(i);
        }
        return BitSet.valueOf(copy);
    }
}
