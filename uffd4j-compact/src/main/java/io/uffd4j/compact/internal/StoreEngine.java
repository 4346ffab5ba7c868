package io.uffd4j.compact.internal;

import io.uffd4j.Userfaultfd;
import io.uffd4j.compact.RecordId;
import io.uffd4j.compact.RecordLocation;
import io.uffd4j.compact.StoreConfig;
import io.uffd4j.compact.StoreStats;
import io.uffd4j.compact.Strategy;
import io.uffd4j.mm.PageSizes;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The store: records bump-allocated in one region, an indirection table, and compaction cycles. Puts
 * its parts together, one job each: {@link RecordSpace} (where records are), {@link RecordOperations}
 * (the users' operations), {@link CycleFaultHandler} and {@link UserAssist} (pages produced on demand
 * during a cycle) and {@link CycleControl} (cycles and the store's lifecycle).
 */
public final class StoreEngine implements AutoCloseable {
    private static final AtomicInteger IDS = new AtomicInteger();

    private final StoreContext context;
    private final RecordSpace records;
    private final RecordOperations operations;
    /** Null for STOP_THE_WORLD. */
    private final CycleFaultHandler handler;
    private final CycleControl cycles;

    public StoreEngine(StoreConfig config) {
        long regionSize = config.regionSize();
        Space space = config.strategy().anonymous()
                ? new AnonymousSpace(regionSize, config.strategy() != Strategy.COPY)
                : new MemfdSpace(regionSize);
        Userfaultfd uffd = null;
        if (config.strategy().concurrent()) {
            try {
                uffd = Userfaultfd.builder().userModeOnly(config.userModeOnly()).features(space.features()).build();
            } catch (RuntimeException e) {
                space.close();
                throw e;
            }
        }
        int id = IDS.incrementAndGet();
        this.context = new StoreContext(id, config, PageSizes.base(), space, uffd, space.region().address(), regionSize,
                new AccessGate("compacting store " + id));
        RecordSpace records = new RecordSpace(context);
        this.handler = uffd == null ? null : new CycleFaultHandler(context);
        this.operations = new RecordOperations(context, records, new UserAssist(context, handler));
        this.cycles = new CycleControl(context, records, handler);
        this.records = records;
    }

    public int id() {
        return context.id();
    }

    public StoreConfig config() {
        return context.config();
    }

    Space space() {
        return context.space();
    }

    public long regionAddress() {
        return context.region();
    }

    public long regionSize() {
        return context.regionSize();
    }

    public long pageSize() {
        return context.pageSize();
    }

    // ---- user operations ---------------------------------------------------------------------------

    public RecordId put(MemorySegment data) {
        return operations.put(data);
    }

    public int read(RecordId id, MemorySegment dst) {
        return operations.read(id, dst);
    }

    public int length(RecordId id) {
        return operations.length(id);
    }

    public boolean isLive(RecordId id) {
        return operations.isLive(id);
    }

    public void update(RecordId id, MemorySegment data) {
        operations.update(id, data);
    }

    public void free(RecordId id) {
        operations.free(id);
    }

    /** Live records in address order (a snapshot). */
    public List<RecordLocation> layout() {
        return operations.layout();
    }

    /** SHA-256 of the region's bytes [0, top), read like a user would (for comparing stores). */
    public byte[] digest() {
        return operations.digest();
    }

    public StoreStats stats() {
        return records.stats(cycles.cyclesCompleted(), cycles.activeCycle() != null);
    }

    /** Fault-handler failures reported by the fault servers so far (0 unless something is wrong). */
    public long handlerFailures() {
        return handler == null ? 0 : handler.failures();
    }

    // ---- compaction --------------------------------------------------------------------------------

    /** Starts a cycle: the start pause runs in the calling thread; production continues in the background. */
    public StartedCycle startCycle() {
        return cycles.startCycle();
    }

    /** Plans a cycle without running it (in a pause) and writes the plan for the C reference. */
    public Plan planOnly() {
        return cycles.planOnly();
    }

    /** The cycle in progress, or null. */
    public CycleRun activeCycle() {
        return cycles.activeCycle();
    }

    // ---- lifecycle -----------------------------------------------------------------------------------

    /**
     * Closes the store, also in the middle of a cycle: stops the compaction threads, lets operations
     * in progress finish (the fault server still serves them), then unregisters and unmaps everything.
     * Operations after close fail with {@link io.uffd4j.error.ClosedException}.
     */
    @Override
    public void close() {
        cycles.close();
    }

    public boolean isClosed() {
        return cycles.isClosing();
    }
}
