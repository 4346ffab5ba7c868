package io.uffd4j.pager.source;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Deterministic content from (seed, page): word {@code w} of page {@code p} is {@link #word(long, long, int)}.
 * Tests verify a region against it without keeping a copy.
 *
 * <p>Configuration: {@code seed} (default 1), {@code size} (default: the region size), and fault
 * injection for failure tests: {@code failPages} and {@code corruptPages} (comma-separated page
 * indexes: reads throw, or return wrong bytes while {@link #checksum} reports the right CRC),
 * {@code delayMicros} (sleep per read), {@code hangPage} (a read of that page never returns).
 */
public final class GeneratorSource implements PageSource {
    private final long seed;
    private final long size;
    private final long[] failPages;
    private final long[] corruptPages;
    private final long delayMicros;
    private final long hangPage;
    private final long pageSize;

    public GeneratorSource(SourceConfig config) {
        this.seed = config.longValue("seed", 1);
        this.size = config.longValue("size", config.regionSize());
        this.failPages = pages(config.string("failPages", ""));
        this.corruptPages = pages(config.string("corruptPages", ""));
        this.delayMicros = config.longValue("delayMicros", 0);
        this.hangPage = config.longValue("hangPage", -1);
        this.pageSize = config.pageSize();
        if (size < 0) {
            throw new IllegalArgumentException("generator size must be >= 0, was " + size);
        }
    }

    private static long[] pages(String list) {
        if (list.isBlank()) {
            return new long[0];
        }
        long[] a = Arrays.stream(list.split(",")).map(String::trim).mapToLong(Long::parseLong).toArray();
        Arrays.sort(a);
        return a;
    }

    /** The generated word {@code wordIndex} (8-byte words) of page {@code page}: a SplitMix64 mix. */
    public static long word(long seed, long page, int wordIndex) {
        long z = seed * 0x9E3779B97F4A7C15L + page * 0xBF58476D1CE4E5B9L + wordIndex * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Fills {@code dst} with the generated content of [offset, offset + dst.byteSize()) of a source of {@code size} bytes. */
    public static void generate(long seed, long size, long pageSize, long offset, MemorySegment dst) {
        generate(seed, size, pageSize, offset, dst, 0, dst.byteSize());
    }

    /** Like {@link #generate(long, long, long, long, MemorySegment)} into [dstOffset, dstOffset + len) of {@code dst}. */
    public static void generate(long seed, long size, long pageSize, long offset, MemorySegment dst, long dstOffset, long len) {
        int words = (int) (pageSize / 8);
        for (long done = 0; done < len; done += pageSize) {
            long at = offset + done;
            long d = dstOffset + done;
            if (at >= size) {
                dst.asSlice(d, len - done).fill((byte) 0);
                return;
            }
            long page = at / pageSize;
            for (int w = 0; w < words; w++) {
                dst.set(JAVA_LONG_UNALIGNED, d + 8L * w, word(seed, page, w));
            }
            long valid = size - at;
            if (valid < pageSize) {
                dst.asSlice(d + valid, pageSize - valid).fill((byte) 0);
            }
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long offset, MemorySegment dst, long dstOffset, long length) throws PageReadException {
        long first = offset / pageSize;
        long last = (offset + length - 1) / pageSize;
        if (delayMicros > 0) {
            try {
                Thread.sleep(delayMicros / 1000, (int) (delayMicros % 1000) * 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PageReadException(offset, "interrupted");
            }
        }
        if (hangPage >= first && hangPage <= last) {
            while (true) {
                try {
                    Thread.sleep(Long.MAX_VALUE);
                } catch (InterruptedException ignored) {
                    // injected hang: never return
                }
            }
        }
        for (long p : failPages) {
            if (p >= first && p <= last) {
                throw new PageReadException(p * pageSize, "injected read failure of page " + p);
            }
        }
        generate(seed, size, pageSize, offset, dst, dstOffset, length);
        for (long p : corruptPages) {
            if (p >= first && p <= last) {
                long at = dstOffset + (p - first) * pageSize + 8;
                dst.set(JAVA_LONG_UNALIGNED, at, ~dst.get(JAVA_LONG_UNALIGNED, at));
            }
        }
    }

    @Override
    public boolean hasChecksums() {
        return corruptPages.length > 0;
    }

    @Override
    public long checksum(long pageIndex, long pageSize) {
        if (corruptPages.length == 0) {
            return NO_CHECKSUM; // the generator is its own reference; checksums only exercise verification
        }
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment page = a.allocate(pageSize, 8);
            generate(seed, size, pageSize, pageIndex * pageSize, page);
            return Checksums.crc32c(page);
        }
    }

    @Override
    public String describe() {
        return "generator(seed=" + seed + ", " + size + " bytes)";
    }
}
