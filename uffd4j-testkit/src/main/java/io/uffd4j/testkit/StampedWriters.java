package io.uffd4j.testkit;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Writer threads whose stores let any snapshot of the region prove, by itself, that it equals the
 * region at its instant. Used by the snapshot tests and {@code ./uffd4j snapshot}.
 *
 * <p>Writer w owns the pages p with p mod W == w of the region's first {@code dataPages} pages and, for
 * its n-th write, stores the stamp (w, n) into the first word of a page chosen by its own seeded random
 * sequence, then publishes n as its progress word (a release store) in the page after the data. An
 * image therefore carries each writer's progress P at the instant; replaying the writer's sequence up to
 * P gives the exact expected stamp of each of its pages, except that write P + 1 may have been stored
 * but not yet published (then the page holds either value). Nothing else may be accepted.
 */
public final class StampedWriters implements AutoCloseable {
    public static final long PAGE = 4096;
    private static final VarHandle LONG = JAVA_LONG.varHandle();

    /** The layout: {@code dataPages} pages written by {@code writers} threads seeded from {@code seed}. */
    public record Layout(int dataPages, int writers, long seed) {
        public Layout {
            if (writers < 1 || writers > 512 || dataPages < writers) {
                throw new IllegalArgumentException("need 1..512 writers and at least one page per writer");
            }
        }

        /** Bytes of region the layout needs: the data pages and the progress page. */
        public long regionBytes() {
            return (dataPages + 1L) * PAGE;
        }

        int ownedPages() {
            return dataPages / writers;
        }
    }

    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong writes = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();

    /** Starts the writers on {@code memory} (at least {@link Layout#regionBytes()}), writing as fast as they can. */
    public StampedWriters(MemorySegment memory, Layout layout) {
        this(memory, layout, 0);
    }

    /**
     * Starts the writers, each parking {@code pauseNanos} after every write (0: none). Slow writers leave
     * most pages written once between two snapshots, which is what exposes a page lost between them.
     */
    public StampedWriters(MemorySegment memory, Layout layout, long pauseNanos) {
        if (pauseNanos < 0) {
            throw new IllegalArgumentException("negative pause " + pauseNanos);
        }
        if (memory.byteSize() < layout.regionBytes()) {
            throw new IllegalArgumentException("the region holds " + memory.byteSize() + " bytes, the layout needs "
                    + layout.regionBytes());
        }
        for (int w = 0; w < layout.writers(); w++) {
            int writer = w;
            threads.add(Thread.ofPlatform().name("stamped-writer-" + w).start(() -> write(memory, layout, writer, pauseNanos)));
        }
    }

    /** Writes done so far (counted in blocks of 1024). */
    public long writes() {
        return writes.get();
    }

    private void write(MemorySegment memory, Layout layout, int w, long pauseNanos) {
        SplittableRandom rnd = new SplittableRandom(layout.seed() + w);
        int owned = layout.ownedPages();
        long progressAt = layout.dataPages() * PAGE + w * 8L;
        long n = 0;
        while (!stop.get()) {
            n++;
            long page = w + (long) layout.writers() * rnd.nextInt(owned);
            memory.set(JAVA_LONG, page * PAGE + 8 * (1 + n % 500), n);   // dirty the page beyond its first word
            memory.set(JAVA_LONG, page * PAGE, stamp(w, n));
            LONG.setRelease(memory, progressAt, n);
            if (pauseNanos > 0) {
                LockSupport.parkNanos(pauseNanos);
            }
            if ((n & 1023) == 0) {
                writes.addAndGet(1024);
            }
        }
    }

    static long stamp(int writer, long n) {
        return ((long) writer << 48) | n;
    }

    /** Stops and joins the writers (they must be gone before the region is closed). */
    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(30_000);
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not stop: " + java.util.Arrays.toString(t.getStackTrace()));
            }
        }
    }

    /** How many writes of each writer the image shows as done at its instant. */
    public record Proof(Path image, long[] progress, long pagesChecked) {}

    /** Reads page {@code page} of an image into {@code into} (e.g. {@code SnapshotChain::readPage}). */
    @FunctionalInterface
    public interface PageReader {
        void readPage(long page, MemorySegment into) throws IOException;
    }

    /**
     * Proves that {@code image}, whose pages {@code chain} reads (with the images it builds on), equals the
     * region at its instant, or throws {@link AssertionError} naming the first page that does not.
     */
    public static Proof verify(Path image, PageReader chain, Layout layout) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment progressPage = arena.allocate(PAGE, 4096);
            MemorySegment page = arena.allocate(PAGE, 4096);
            chain.readPage(layout.dataPages(), progressPage);
            int owned = layout.ownedPages();
            long[] progress = new long[layout.writers()];
            long checked = 0;
            for (int w = 0; w < layout.writers(); w++) {
                long published = progressPage.get(JAVA_LONG, w * 8L);
                progress[w] = published;
                long[] last = new long[owned];
                SplittableRandom rnd = new SplittableRandom(layout.seed() + w);
                for (long n = 1; n <= published; n++) {
                    last[rnd.nextInt(owned)] = n;
                }
                int inFlight = rnd.nextInt(owned);
                for (int k = 0; k < owned; k++) {
                    long p = w + (long) layout.writers() * k;
                    chain.readPage(p, page);
                    long got = page.get(JAVA_LONG, 0);
                    long want = last[k] == 0 ? 0 : stamp(w, last[k]);
                    if (got != want && !(k == inFlight && got == stamp(w, published + 1))) {
                        throw new AssertionError(image.getFileName() + ": page " + p + " of writer " + w + " holds "
                                + describe(got) + ", but at the instant it held " + describe(want)
                                + " (writer progress " + published + ")");
                    }
                    checked++;
                }
            }
            return new Proof(image, progress, checked);
        }
    }

    private static String describe(long stamp) {
        return stamp == 0 ? "nothing (zero)" : "(writer " + (stamp >>> 48) + ", write " + (stamp & ((1L << 48) - 1)) + ")";
    }
}
