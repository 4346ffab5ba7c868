package io.uffd4j.compact;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Record contents derived from (key, version): any byte out of place is detected. */
final class Content {
    private Content() {}

    static byte[] of(long key, int version, int length) {
        byte[] b = new byte[length];
        long x = seed(key, version);
        for (int i = 0; i < length; i++) {
            if ((i & 7) == 0) {
                x = next(x);
            }
            b[i] = (byte) (x >>> ((i & 7) * 8));
        }
        return b;
    }

    static void fill(MemorySegment dst, long key, int version, int length) {
        long x = seed(key, version);
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            x = next(x);
            dst.set(ValueLayout.JAVA_LONG_UNALIGNED, i, x);
        }
        if (i < length) {
            x = next(x);
            for (; i < length; i++) {
                dst.set(ValueLayout.JAVA_BYTE, i, (byte) (x >>> ((i & 7) * 8)));
            }
        }
    }

    /** Index of the first wrong byte, or -1. */
    static int check(MemorySegment src, long key, int version, int length) {
        long x = seed(key, version);
        int i = 0;
        for (; i + 8 <= length; i += 8) {
            x = next(x);
            if (src.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != x) {
                for (int k = 0; k < 8; k++) {
                    if (src.get(ValueLayout.JAVA_BYTE, i + k) != (byte) (x >>> (k * 8))) {
                        return i + k;
                    }
                }
            }
        }
        if (i < length) {
            x = next(x);
            for (; i < length; i++) {
                if (src.get(ValueLayout.JAVA_BYTE, i) != (byte) (x >>> ((i & 7) * 8))) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static long seed(long key, int version) {
        return (key * 0x9E3779B97F4A7C15L) ^ ((long) version << 40) ^ 0x5DEECE66DL;
    }

    private static long next(long x) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        return x;
    }
}
