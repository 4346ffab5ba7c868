package io.uffd4j.compact;

import io.uffd4j.compact.internal.EngineAccess;
import io.uffd4j.compact.internal.StartedCycle;
import io.uffd4j.compact.internal.StoreEngine;
import io.uffd4j.error.ClosedException;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * An off-heap store of variable-size records that defragments itself while it is used.
 *
 * <pre>{@code
 * try (CompactingStore store = CompactingStore.open(StoreConfig.builder(256 << 20).strategy(Strategy.MOVE).build())) {
 *     RecordId id = store.put(MemorySegment.ofArray(bytes));
 *     ...
 *     store.free(other);
 *     CycleReport r = store.compact();      // users keep running; only two short pauses
 *     int n = store.read(id, buffer);       // same id, new place
 * }
 * }</pre>
 *
 * <p>Records are bump-allocated in one large private region; freeing leaves holes. A compaction
 * cycle slides the live records down (keeping their order; whole pages that are dense move without
 * being read) while readers and writers keep running: the pages of the compacted layout are produced
 * by compaction threads ahead of the users, or on demand when a user touches one first
 * (userfaultfd), with the {@link Strategy} chosen. Record ids go through an indirection table outside
 * the region, so they stay valid.
 *
 * <p><b>Safety.</b> The region is only ever touched by the store in native code (a libc memcpy
 * downcall), so a thread waiting for a page is in native state and the store's in-process fault
 * server cannot deadlock a safepoint; compaction threads never touch the region at all (they write
 * into private buffers, recycled from-space pages or the page cache, then map the page with an
 * ioctl). See docs/compaction.md.
 *
 * <p>All methods are thread-safe. Reads of a record are consistent with concurrent updates of it
 * (a per-record seqlock). A record has a fixed length; {@link #update} rewrites it in place.
 */
public final class CompactingStore implements AutoCloseable {
    private volatile boolean closed;
    static {
        EngineAccess.install(store -> ((CompactingStore) store).engine);
    }

    private final StoreEngine engine;

    private CompactingStore(StoreEngine engine) {
        this.engine = engine;
    }

    /** Creates the region and the userfaultfd (checks the kernel supports the strategy). */
    public static CompactingStore open(StoreConfig config) {
        return new CompactingStore(new StoreEngine(Objects.requireNonNull(config)));
    }

    public StoreConfig config() {
        return engine.config();
    }

    /** Stores a copy of {@code data} (native or heap memory) and returns its id. */
    public RecordId put(MemorySegment data) {
        requireOpen("put");
        return engine.put(data);
    }

    public RecordId put(byte[] data) {
        requireOpen("put");
        return engine.put(MemorySegment.ofArray(data));
    }

    /** Copies the record into {@code dst} (native or heap, at least as long) and returns its length. */
    public int read(RecordId id, MemorySegment dst) {
        requireOpen("read");
        return engine.read(id, dst);
    }

    public int read(RecordId id, byte[] dst) {
        requireOpen("read");
        return engine.read(id, MemorySegment.ofArray(dst));
    }

    /** A copy of the record. */
    public byte[] get(RecordId id) {
        requireOpen("get");
        while (true) {
            int len = engine.length(id);
            byte[] b = new byte[len];
            if (engine.read(id, MemorySegment.ofArray(b)) == len) {
                return b;
            }
        }
    }

    /** The record's length. */
    public int length(RecordId id) {
        requireOpen("length");
        return engine.length(id);
    }

    /** Rewrites the record in place; {@code data} must have the record's length. */
    public void update(RecordId id, MemorySegment data) {
        requireOpen("update");
        engine.update(id, data);
    }

    public void update(RecordId id, byte[] data) {
        requireOpen("update");
        engine.update(id, MemorySegment.ofArray(data));
    }

    /** Frees the record; its id becomes stale. */
    public void free(RecordId id) {
        requireOpen("free");
        engine.free(id);
    }

    public boolean isLive(RecordId id) {
        requireOpen("isLive");
        return engine.isLive(id);
    }

    /** The live records, in address order (a snapshot). */
    public List<RecordId> liveRecords() {
        requireOpen("liveRecords");
        return engine.layout().stream().map(RecordLocation::id).toList();
    }

    /**
     * Calls {@code visitor} with each record live at the start (in address order) and a copy of its
     * contents; records freed meanwhile are skipped. The copy is valid during the call only.
     */
    public void forEach(BiConsumer<RecordId, MemorySegment> visitor) {
        requireOpen("forEach");
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(config().maxRecordSize(), 8);
            for (RecordLocation loc : engine.layout()) {
                int n;
                try {
                    n = engine.read(loc.id(), buf);
                } catch (StaleRecordException freed) {
                    continue;
                }
                visitor.accept(loc.id(), buf.asSlice(0, n).asReadOnly());
            }
        }
    }

    /** Where each live record is, in address order (for tests and tools comparing layouts). */
    public List<RecordLocation> layout() {
        requireOpen("layout");
        return engine.layout();
    }

    /** SHA-256 of the allocated part of the region (records, padding and garbage alike). */
    public byte[] regionDigest() {
        requireOpen("regionDigest");
        return engine.digest();
    }

    /**
     * Starts a compaction cycle and returns once its start pause is over.
     *
     * @throws IllegalStateException if a cycle is running
     * @throws ClosedException if the store is closed
     */
    public CompactionCycle startCompaction() {
        requireOpen("startCompaction");
        StartedCycle run = engine.startCycle();
        return new CompactionCycle(run.number(), run.strategy(), run.startPauseNanos(), run.result());
    }

    /** Runs a whole compaction cycle and returns its report. */
    public CycleReport compact() throws InterruptedException {
        return startCompaction().await();
    }

    public StoreStats stats() {
        requireOpen("stats");
        return engine.stats();
    }

    /** Start address of the region (to inspect it with /proc/self/pagemap). */
    public long regionAddress() {
        return engine.regionAddress();
    }

    public long regionSize() {
        return engine.regionSize();
    }

    /** Failures of the fault handler so far (each was retried; non-zero means something is wrong). */
    public long handlerFailures() {
        requireOpen("handlerFailures");
        return engine.handlerFailures();
    }

    /** Closes the store, also during a cycle (which is abandoned). Idempotent. */
    /** Frees the region; idempotent. Every operation afterwards throws {@link ClosedException}. */
    @Override
    public void close() {
        closed = true;
        engine.close();
    }

    /** Checked on entry: after close the engine's memory is gone, and its answers would be stale or a freed segment's error. */
    private void requireOpen(String operation) {
        if (closed) {
            throw new ClosedException(operation, "CompactingStore." + operation + ": the store is closed");
        }
    }

    @Override
    public String toString() {
        return "CompactingStore[" + engine.config().strategy() + ", " + (closed ? "closed" : stats().toString()) + "]";
    }
}
