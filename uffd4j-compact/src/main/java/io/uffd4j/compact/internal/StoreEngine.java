package io.uffd4j.compact.internal;

import io.uffd4j.Userfaultfd;
import io.uffd4j.compact.CycleReport;
import io.uffd4j.compact.PageCounts;
import io.uffd4j.compact.RecordId;
import io.uffd4j.compact.RecordLocation;
import io.uffd4j.compact.StaleRecordException;
import io.uffd4j.compact.StoreConfig;
import io.uffd4j.compact.StoreFullException;
import io.uffd4j.compact.StoreStats;
import io.uffd4j.compact.Strategy;
import io.uffd4j.error.ClosedException;
import io.uffd4j.event.PageFault;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Memory;
import io.uffd4j.mm.UnguardedAccess;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.serve.FailurePolicy;
import io.uffd4j.Resolver;
import io.uffd4j.event.FaultKind;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.FaultListener;
import io.uffd4j.serve.Resolution;
import io.uffd4j.serve.GuardedMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The store: records bump-allocated in one region, an indirection table, and compaction cycles.
 *
 * <p><b>Access.</b> Every user operation enters the {@link AccessGate} and touches the region only with
 * libc {@code memcpy} called as a downcall, so a thread that faults on a page the cycle has not
 * produced yet is in native state: a safepoint never waits for it, and the in-process fault server
 * can never deadlock the JVM. (DIRECT access rather than CHECKED process_vm_readv: a record access
 * is one memcpy instead of a system call, it works with a user-mode-only userfaultfd, and the
 * handler is this store's own code, which never gives up on a page.)
 *
 * <p><b>Cycle.</b> In one short pause (the gate closed, no operation inside): plan the new layout,
 * move the region's pages to a from-space, register the region with the store's fault server, give
 * every record its new offset. Users then run again and see the compacted layout at once; each page is
 * produced when a compaction thread reaches it or a user touches it, whichever comes first. A second
 * short pause unregisters the region when every page is in; then the from-space is freed.
 */
public final class StoreEngine implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StoreEngine.class.getName());
    private static final AtomicInteger IDS = new AtomicInteger();
    private static final int BOUNCE = 64 * 1024;
    private static final ThreadLocal<MemorySegment> BOUNCES =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(BOUNCE, 64));

    private final int id = IDS.incrementAndGet();
    private final StoreConfig config;
    private final long pageSize = PageSizes.base();
    private final Userfaultfd uffd;
    private final Space space;
    private final long region;
    private final long regionSize;
    private final AccessGate gate;
    private final RecordTable table;
    private final AddressLog log;
    private final Planner planner;
    private final ReentrantLock allocLock = new ReentrantLock();
    private final ReentrantLock lifecycle = new ReentrantLock();
    private final MethodChooser model = new MethodChooser();
    private final LongAdder handlerFailures = new LongAdder();
    private int[] pageLive;
    private int[] spareLive;
    private final int[] densitySnapshot;
    private long top;
    private long liveRecords;
    private long liveBytes;
    private int cyclesStarted;
    private final AtomicInteger cyclesCompleted = new AtomicInteger();
    private volatile CycleRun active;
    /** The cycle fault handlers serve (set in the start pause, cleared when it ends). */
    private volatile Cycle serving;
    private final FaultServer server;
    private final ThreadLocal<PageWorker> handlerWorkers = new ThreadLocal<>();
    private final ThreadLocal<PageWorker> assistWorkers = new ThreadLocal<>();
    private volatile boolean closing;
    private boolean closed;

    public StoreEngine(StoreConfig config) {
        this.config = config;
        this.regionSize = config.regionSize();
        this.space = config.strategy().anonymous()
                ? new AnonymousSpace(regionSize, config.strategy() != Strategy.COPY)
                : new MemfdSpace(regionSize);
        Userfaultfd u = null;
        if (config.strategy().concurrent()) {
            try {
                u = Userfaultfd.builder().userModeOnly(config.userModeOnly()).features(space.features()).build();
            } catch (RuntimeException e) {
                space.close();
                throw e;
            }
        }
        this.uffd = u;
        this.region = space.region().address();
        this.gate = new AccessGate("compacting store " + id);
        this.table = new RecordTable(config.maxRecords());
        this.log = new AddressLog(Math.min(config.maxRecords(), 1 << 16));
        this.planner = new Planner(pageSize, config.pageKeepThreshold());
        int pages = (int) (regionSize / pageSize);
        this.pageLive = new int[pages];
        this.spareLive = new int[pages];
        this.densitySnapshot = new int[pages];
        this.server = uffd == null ? null : startFaultServer();
    }

    /**
     * One fault server for the store's lifetime: its threads wait idle between cycles. The region is
     * registered only during cycles (in the start pause); the server is started with it registered and
     * it is unregistered at once, so the pause only has to register it.
     */
    private FaultServer startFaultServer() {
        try {
            FaultServer s = FaultServer.builder(uffd)
                    .serve(space.region(), space.registerModes(), GuardedMemory.Mode.DIRECT)
                    .handler(this::onFault)
                    .threads(config.faultThreads())
                    .waitStrategy(config.faultWait())
                    .failurePolicy(new FailurePolicy(Integer.MAX_VALUE, Duration.ofMillis(1),
                            Duration.ofMillis(50), FailurePolicy.GiveUp.KEEP_RETRYING))
                    .listener(new FaultListener() {
                        @Override
                        public void onHandlerFailure(PageFault fault, Throwable failure) {
                            handlerFailures.increment();
                        }
                    })
                    .drainTimeout(Duration.ofSeconds(10))
                    .start();
            uffd.unregister(region, regionSize);
            return s;
        } catch (RuntimeException e) {
            uffd.close();
            space.close();
            throw e;
        }
    }

    /** The fault handler: produces the page for the cycle in progress; outside a cycle only wakes. */
    private Resolution onFault(PageFault fault, Resolver resolver) {
        if (fault.kind() == FaultKind.WRITE_PROTECT) {
            throw new IllegalStateException("unexpected write-protect fault " + fault);
        }
        Cycle c = serving;
        if (c == null || !c.enterHandler()) {
            // A message from just before the region was unregistered: the thread faults again if it must.
            resolver.wake(fault.pageAddress(), pageSize);
            return Resolution.RESOLVED;
        }
        try {
            PageWorker w = handlerWorkers.get();
            if (w == null || w.c != c) {
                w = c.register(new PageWorker(c));
                handlerWorkers.set(w);
            }
            return w.onFault((int) (fault.pageOffset() / pageSize), resolver);
        } finally {
            c.exitHandler();
        }
    }

    public int id() {
        return id;
    }

    public StoreConfig config() {
        return config;
    }

    Space space() {
        return space;
    }

    public long regionAddress() {
        return region;
    }

    public long regionSize() {
        return regionSize;
    }

    public long pageSize() {
        return pageSize;
    }

    // ---- user operations ---------------------------------------------------------------------------

    public RecordId put(MemorySegment data) {
        long n = data.byteSize();
        if (n > config.maxRecordSize()) {
            throw new IllegalArgumentException("record of " + n + " bytes exceeds maxRecordSize " + config.maxRecordSize());
        }
        int len = (int) n;
        int token = gate.enter();
        try {
            int slot;
            long offset;
            int writeLock;
            allocLock.lock();
            try {
                long a = Planner.allocation(len);
                if (top + a > regionSize) {
                    throw new StoreFullException("no room for " + len + " bytes: " + top + " of " + regionSize
                            + " bytes allocated, " + liveBytes + " live; compact() reclaims "
                            + (top - liveBytes) + " bytes");
                }
                slot = table.allocate();
                if (slot < 0) {
                    throw new StoreFullException("record table full (" + table.capacity() + " records)");
                }
                offset = top;
                top += a;
                log.append(slot, offset);
                // Published with its log entry, before its bytes: a cycle's draft (taken under this lock)
                // must see every logged record as live. The slot's write lock stays held until the bytes
                // are in, so a reader that finds it through layout() waits for them; the cycle's pause
                // waits for this put to leave the gate.
                writeLock = table.writeBegin(slot);
                table.publish(slot, offset, len);
                planner.account(pageLive, offset, len, true);
                liveRecords++;
                liveBytes += len;
            } finally {
                allocLock.unlock();
            }
            try {
                copyIn(offset, data);
            } finally {
                table.writeEnd(slot, writeLock);
            }
            return new RecordId(slot, table.generation(slot));
        } finally {
            gate.exit(token);
        }
    }

    public int read(RecordId id, MemorySegment dst) {
        int slot = checkSlot(id);
        int token = gate.enter();
        try {
            int spins = 0;
            while (true) {
                int s = table.readBegin(slot);
                if ((s & 1) != 0) {
                    spin(++spins);
                    continue;
                }
                long offset = table.offset(slot);
                int len = table.length(slot);
                if (table.generation(slot) != id.generation() || offset < 0) {
                    if (table.readValidate(slot, s)) {
                        throw stale(id);
                    }
                    continue;
                }
                if (dst.byteSize() < len) {
                    if (table.readValidate(slot, s)) {
                        throw new IndexOutOfBoundsException(id + " has " + len + " bytes; the buffer holds " + dst.byteSize());
                    }
                    continue;
                }
                copyOut(offset, dst, len);
                if (table.readValidate(slot, s)) {
                    return len;
                }
            }
        } finally {
            gate.exit(token);
        }
    }

    public int length(RecordId id) {
        int slot = checkSlot(id);
        int token = gate.enter();
        try {
            while (true) {
                int s = table.readBegin(slot);
                if ((s & 1) != 0) {
                    Thread.onSpinWait();
                    continue;
                }
                int len = table.length(slot);
                boolean live = table.generation(slot) == id.generation() && table.offset(slot) >= 0;
                if (table.readValidate(slot, s)) {
                    if (!live) {
                        throw stale(id);
                    }
                    return len;
                }
            }
        } finally {
            gate.exit(token);
        }
    }

    public boolean isLive(RecordId id) {
        int slot = id.slot();
        if (slot < 0 || slot >= table.capacity()) {
            return false;
        }
        return table.generation(slot) == id.generation() && table.offset(slot) >= 0;
    }

    public void update(RecordId id, MemorySegment data) {
        int slot = checkSlot(id);
        int token = gate.enter();
        try {
            int w = table.writeBegin(slot);
            try {
                long offset = table.offset(slot);
                if (table.generation(slot) != id.generation() || offset < 0) {
                    throw stale(id);
                }
                int len = table.length(slot);
                if (data.byteSize() != len) {
                    throw new IllegalArgumentException("update of " + id + " must write exactly its " + len
                            + " bytes, not " + data.byteSize() + " (free it and put a new record to resize)");
                }
                copyIn(offset, data);
            } finally {
                table.writeEnd(slot, w);
            }
        } finally {
            gate.exit(token);
        }
    }

    public void free(RecordId id) {
        int slot = checkSlot(id);
        int token = gate.enter();
        try {
            long offset;
            int len;
            int w = table.writeBegin(slot);
            try {
                offset = table.offset(slot);
                if (table.generation(slot) != id.generation() || offset < 0) {
                    throw stale(id);
                }
                len = table.length(slot);
                table.retire(slot);
            } finally {
                table.writeEnd(slot, w);
            }
            allocLock.lock();
            try {
                table.release(slot);
                planner.account(pageLive, offset, len, false);
                liveRecords--;
                liveBytes -= len;
            } finally {
                allocLock.unlock();
            }
        } finally {
            gate.exit(token);
        }
    }

    /** Live records in address order (a snapshot). */
    public List<RecordLocation> layout() {
        int token = gate.enter();
        try {
            allocLock.lock();
            try {
                List<RecordLocation> out = new ArrayList<>((int) Math.min(liveRecords, Integer.MAX_VALUE - 8));
                for (int i = 0; i < log.size(); i++) {
                    int s = log.slot(i);
                    long o = log.offset(i);
                    if (table.offset(s) == o) {
                        out.add(new RecordLocation(new RecordId(s, table.generation(s)), o, table.length(s)));
                    }
                }
                return out;
            } finally {
                allocLock.unlock();
            }
        } finally {
            gate.exit(token);
        }
    }

    /** SHA-256 of the region's bytes [0, top), read like a user would (for comparing stores). */
    public byte[] digest() {
        int token = gate.enter();
        try {
            long end;
            allocLock.lock();
            try {
                end = top;
            } finally {
                allocLock.unlock();
            }
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            MemorySegment bounce = BOUNCES.get();
            byte[] chunk = new byte[BOUNCE];
            for (long o = 0; o < end; o += BOUNCE) {
                int n = (int) Math.min(BOUNCE, end - o);
                Memory.copy(bounce.address(), region + o, n);
                MemorySegment.copy(bounce, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, chunk, 0, n);
                md.update(chunk, 0, n);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            gate.exit(token);
        }
    }

    public StoreStats stats() {
        allocLock.lock();
        try {
            return new StoreStats(liveRecords, liveBytes, top, regionSize, cyclesCompleted.get(), active != null);
        } finally {
            allocLock.unlock();
        }
    }

    /** Fault-handler failures reported by the fault servers so far (0 unless something is wrong). */
    public long handlerFailures() {
        return handlerFailures.sum();
    }

    private int checkSlot(RecordId id) {
        int slot = id.slot();
        if (slot < 0 || slot >= table.capacity()) {
            throw new StaleRecordException(id, id + " does not belong to this store");
        }
        return slot;
    }

    private static StaleRecordException stale(RecordId id) {
        return new StaleRecordException(id, id + " was freed");
    }

    private static void spin(int spins) {
        if (spins > 100) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
    }

    /**
     * User assist: produces the pages of [offset, offset + len) that the cycle in progress has not
     * installed yet, on this user's thread, so the copy that follows does not fault. A fault costs a
     * round trip to a fault-server thread that must be woken and scheduled, which is most of a user's
     * latency during a cycle. Uses the fault handlers' protocol (enter/exit, the cycle ends only once
     * no one is producing its pages); pages past the compacted data are left to the fault path.
     */
    private void assist(long offset, long len) {
        Cycle c = serving;
        if (c == null || !config.userAssist()) {
            return;
        }
        int first = (int) (offset / pageSize);
        int last = (int) Math.min((offset + len - 1) / pageSize, c.plan.toPages - 1);
        int p = first;
        while (p <= last && c.states.isDone(p)) {
            p++;
        }
        if (p > last || !c.enterHandler()) {
            return;
        }
        try {
            PageWorker w = assistWorkers.get();
            if (w == null || w.c != c) {
                w = c.register(new PageWorker(c, true));
                assistWorkers.set(w);
            }
            Resolver r = uffd.resolver();
            for (; p <= last; p++) {
                if (!c.states.isDone(p)) {
                    w.assist(p, r);
                }
            }
        } finally {
            c.exitHandler();
        }
    }

    /** Copies into the region in native state (the thread may fault on a page the cycle has not produced yet). */
    private void copyIn(long offset, MemorySegment src) {
        long len = src.byteSize();
        assist(offset, len);
        if (src.isNative()) {
            Memory.copy(region + offset, src.address(), len);
            return;
        }
        MemorySegment bounce = BOUNCES.get();
        for (long done = 0; done < len; done += BOUNCE) {
            long n = Math.min(BOUNCE, len - done);
            MemorySegment.copy(src, done, bounce, 0, n);
            Memory.copy(region + offset + done, bounce.address(), n);
        }
    }

    private void copyOut(long offset, MemorySegment dst, int len) {
        assist(offset, len);
        if (dst.isNative()) {
            Memory.copy(dst.address(), region + offset, len);
            return;
        }
        MemorySegment bounce = BOUNCES.get();
        for (long done = 0; done < len; done += BOUNCE) {
            long n = Math.min(BOUNCE, len - done);
            Memory.copy(bounce.address(), region + offset + done, n);
            MemorySegment.copy(bounce, 0, dst, done, n);
        }
    }

    // ---- compaction --------------------------------------------------------------------------------

    /**
     * Starts a cycle: the start pause runs in the calling thread; production continues in the
     * background.
     */
    public StartedCycle startCycle() {
        lifecycle.lock();
        try {
            if (closing || closed) {
                throw new ClosedException("compact", "the store is closed");
            }
            if (active != null) {
                throw new IllegalStateException("compaction cycle " + active.number() + " is still running");
            }
            if (!config.strategy().concurrent()) {
                return stopTheWorld();
            }
            // Plan the records that exist now while users keep running; the pause only adds the few
            // put since and relocates the records.
            long d0 = System.nanoTime();
            AddressLog.Snapshot snapshot;
            long snapshotTop;
            allocLock.lock();
            try {
                snapshot = log.snapshot();
                snapshotTop = top;
                // One consistent view of the densities for the draft (the last page's can still rise).
                int pages = (int) ((snapshotTop + pageSize - 1) / pageSize);
                System.arraycopy(pageLive, 0, densitySnapshot, 0, pages);
            } finally {
                allocLock.unlock();
            }
            Planner.Draft draft = planner.draft(snapshot, table, densitySnapshot, spareLive, snapshotTop);
            long draftNanos = System.nanoTime() - d0;
            long t0 = System.nanoTime();
            long drain = gate.pause();
            long t1 = System.nanoTime();
            long t2;
            long t3;
            long t4;
            CycleRun run;
            try {
                Plan plan = planner.finish(draft, log, table, top);
                t2 = System.nanoTime();
                FromSpace from = space.flip();
                t3 = System.nanoTime();
                Cycle cycle;
                try {
                    cycle = new Cycle(++cyclesStarted, config.strategy(), plan, from, region, uffd, model,
                            config.pacePerPage().toNanos());
                    run = new CycleRun(this, cycle, t0);
                    uffd.register(region, regionSize, space.registerModes());
                } catch (RuntimeException | Error e) {
                    space.unflip(from);
                    throw e;
                }
                t4 = System.nanoTime();
                planner.commit(plan, log, table, spareLive);
                int[] t = pageLive;
                pageLive = spareLive;
                spareLive = t;
                top = plan.newTop;
                active = run;
                serving = run.cycle;
            } finally {
                gate.resume();
            }
            long t5 = System.nanoTime();
            run.setStartPause(t5 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, draftNanos);
            run.start();
            return new StartedCycle(run.number(), run.strategy(), t5 - t0, run.result());
        } finally {
            lifecycle.unlock();
        }
    }

    /**
     * STOP_THE_WORLD: the whole cycle inside the pause. Pages are produced in address order in place:
     * a kept page is copied down whole, a built page is assembled in a buffer (its pieces may come from
     * itself) and copied down; a page written never holds a record a later page still needs, because
     * records only move down. Then the freed tail goes back to the kernel. The region is not registered,
     * so touching it from Java code here is safe. Lifecycle lock held.
     */
    private StartedCycle stopTheWorld() {
        long t0 = System.nanoTime();
        long drain = gate.pause();
        CycleReport report;
        try {
            long t1 = System.nanoTime();
            Plan plan = planner.plan(log, table, pageLive, spareLive, top);
            long t2 = System.nanoTime();
            // Not registered in this mode, so no fault of it waits for a handler: plain access is safe.
            MemorySegment r = space.region().unguardedSegment(UnguardedAccess.I_ACCEPT_THE_SAFEPOINT_DEADLOCK_RISK);
            PageAssembler assembler = new PageAssembler(pageSize);
            long kept = 0;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(pageSize, pageSize);
                for (int p = 0; p < plan.toPages; p++) {
                    int src = plan.source(p);
                    if (src >= 0) {
                        if (src != p) {
                            MemorySegment.copy(r, (long) src * pageSize, r, (long) p * pageSize, pageSize);
                            kept++;
                        }
                    } else {
                        assembler.assemble(plan, p, r, buf, 0);
                        MemorySegment.copy(buf, 0, r, (long) p * pageSize, pageSize);
                    }
                }
            }
            long t3 = System.nanoTime();
            if (plan.oldPages > plan.toPages) {
                Memory.madvise(region + (long) plan.toPages * pageSize, (long) (plan.oldPages - plan.toPages) * pageSize,
                        Advice.DONTNEED);
            }
            long t4 = System.nanoTime();
            planner.commit(plan, log, table, spareLive);
            int[] t = pageLive;
            pageLive = spareLive;
            spareLive = t;
            top = plan.newTop;
            long t5 = System.nanoTime();
            PageCounts counts = new PageCounts(plan.toPages, 0, 0, 0, 0, 0, 0, 0, kept, 0, 0, 0, 0);
            report = new CycleReport(++cyclesStarted, Strategy.STOP_THE_WORLD, true,
                    new CycleReport.Pause(0, drain, t2 - t1, 0, 0, t5 - t4, t5 - t0),
                    new CycleReport.Timing(t3 - t2, t3 - t2, t3 - t2, 0, 0, t4 - t3, t5 - t0),
                    new CycleReport.Layout(plan.count, plan.liveBytes, plan.oldTop, plan.newTop, plan.toPages, plan.keptPages,
                            plan.runs, assembler.bytesRead + kept * pageSize),
                    counts, List.of(), List.of());
        } finally {
            gate.resume();
        }
        cyclesCompleted.incrementAndGet();
        return new StartedCycle(report.cycle(), report.strategy(), report.pause().totalNanos(),
                CompletableFuture.completedFuture(report));
    }

    /**
     * The cycle thread produced every page: stop the handlers working for the cycle, unregister the
     * region, then free the from-space. No pause is needed: every planned page is installed, so a user
     * can only be waiting on a fresh page past the compacted data; the handler wakes it (it faults
     * again) until the region is unregistered, and then the kernel fills the page. Leaves everything
     * to {@link #close()} when the store is closing.
     */
    void endCycle(CycleRun run, long compactionDone) {
        long finish;
        lifecycle.lock();
        try {
            if (closing || active != run) {
                return;
            }
            long t0 = System.nanoTime();
            detach(run);
            finish = System.nanoTime() - t0;
        } finally {
            lifecycle.unlock();
        }
        run.completeAfterFinish(finish, compactionDone);
        cyclesCompleted.incrementAndGet();
    }

    /** Stops serving {@code run}'s cycle and unregisters the region. Lifecycle lock held. */
    private void detach(CycleRun run) {
        serving = null;
        run.cycle.endForHandlers();
        uffd.unregister(region, regionSize);
        // UFFDIO_UNREGISTER wakes waiters before it write-locks the vma: wake any fault that queued after.
        uffd.wake(region, regionSize).orThrow();
        active = null;
    }

    /** Plans a cycle without running it (in a pause) and writes the plan for the C reference. */
    public Plan planOnly() {
        lifecycle.lock();
        try {
            if (active != null || closing) {
                throw new IllegalStateException("a cycle is running or the store is closing");
            }
            gate.pause();
            try {
                return planner.plan(log, table, pageLive, spareLive, top);
            } finally {
                gate.resume();
            }
        } finally {
            lifecycle.unlock();
        }
    }

    /** The cycle in progress, or null. */
    public CycleRun activeCycle() {
        return active;
    }

    // ---- lifecycle -----------------------------------------------------------------------------------

    /**
     * Closes the store, also in the middle of a cycle: stops the compaction threads, lets operations
     * in progress finish (the fault server still serves them), then unregisters and unmaps
     * everything. Operations after close fail with {@link ClosedException}.
     */
    @Override
    public void close() {
        CycleRun run;
        lifecycle.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
            run = active;
        } finally {
            lifecycle.unlock();
        }
        if (run != null) {
            run.requestStop();
        }
        gate.close();
        if (run != null) {
            run.join();
        }
        lifecycle.lock();
        try {
            CycleRun still = active;
            if (still != null) {
                try {
                    detach(still);
                } finally {
                    active = null;
                    still.abort();
                }
            }
            if (server != null) {
                server.close();
            }
            space.close();
            if (uffd != null) {
                uffd.close();
            }
            closed = true;
        } finally {
            lifecycle.unlock();
        }
        LOG.log(System.Logger.Level.DEBUG, "compacting store " + id + " closed");
    }

    public boolean isClosed() {
        return closing;
    }
}
