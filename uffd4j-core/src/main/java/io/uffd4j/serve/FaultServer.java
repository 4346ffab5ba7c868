package io.uffd4j.serve;

import io.uffd4j.RegisterMode;
import io.uffd4j.Registration;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.ClosedException;
import io.uffd4j.error.InvalidRequestException;
import io.uffd4j.internal.MappingBridge;
import io.uffd4j.ipc.EventFd;
import io.uffd4j.mm.Mapping;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Serves the faults of one userfaultfd with handler threads of this JVM.
 *
 * <pre>{@code
 * try (Userfaultfd uffd = Userfaultfd.open();
 *      Mapping region = Mapping.anonymous(64 << 20);
 *      FaultServer server = FaultServer.builder(uffd)
 *              .serve(region, RegisterMode.MISSING)
 *              .handler((fault, resolver) -> resolver.copy(fault.pageAddress(), page, fault.pageSize(), NONE))
 *              .start()) {
 *     GuardedMemory memory = server.guarded(region);
 *     memory.getLong(4096);          // faults in native state, served by the handler
 * }
 * }</pre>
 *
 * <p><b>The safepoint rule.</b> A served mapping refuses raw {@code MemorySegment} access
 * ({@link Mapping#segment()} throws) because a fault taken from Java code while a handler thread of
 * the same JVM is needed can deadlock the next safepoint. Access goes through {@link #guarded(Mapping)},
 * which touches the memory only inside native calls. Serving Java code that reads the memory directly
 * needs a handler in another process (module uffd4j-pager).
 *
 * <p>Closing the server drains guarded accesses, stops the threads and unregisters the ranges; it does
 * not close the userfaultfd or the mappings, which the caller owns. Close the server first: once the
 * userfaultfd is closed the kernel no longer serves the ranges, and guarded access throws
 * {@code ClosedException}. A mapping is served by one server at a time; a second one is refused.
 * A fault is never dropped: when a handler thread's retry queue is full, a fault to retry is poisoned
 * where the policy allows it, else woken so that the kernel reports it again.
 */
public final class FaultServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(FaultServer.class.getName());
    private static final AtomicInteger IDS = new AtomicInteger();

    final Userfaultfd uffd;
    final FaultHandler handler;
    final FaultServerListener listener;
    final WaitStrategy waitStrategy;
    final FailurePolicy failurePolicy;
    final int retryCapacity;
    final ServedRange[] ranges;
    final Counters counters = new Counters();
    /** Longest service time the histogram tracks; longer ones are recorded as this. */
    static final long MAX_TRACKED_NANOS = 600_000_000_000L;
    /** Fixed range: an auto-resizing histogram allocates when a value falls outside it. */
    final Recorder serviceTime = new Recorder(1, MAX_TRACKED_NANOS, 3);
    final EventFd stop;
    private final Histogram serviceTotal = new Histogram(1, MAX_TRACKED_NANOS, 3);
    private final List<Thread> threads = new ArrayList<>();
    private final Duration drainTimeout;
    private final int id = IDS.incrementAndGet();
    volatile boolean running = true;
    private boolean closed;

    /**
     * A range this server serves: a mapping of this process (with its guarded accessor), or a range of
     * another process whose userfaultfd this server received (no mapping, no guarded accessor).
     */
    static final class ServedRange {
        final long start;
        final long length;
        final long pageSize;
        final Mapping mapping;
        final Registration registration;
        final GuardedMemory guarded;
        final boolean poisonOnGiveUp;
        final boolean unregisterOnClose;

        ServedRange(long start, long length, long pageSize, Mapping mapping, Registration registration,
                    GuardedMemory guarded, boolean poisonOnGiveUp, boolean unregisterOnClose) {
            this.start = start;
            this.length = length;
            this.pageSize = pageSize;
            this.mapping = mapping;
            this.registration = registration;
            this.guarded = guarded;
            this.poisonOnGiveUp = poisonOnGiveUp;
            this.unregisterOnClose = unregisterOnClose;
        }

        boolean contains(long address) {
            return address >= start && address - start < length;
        }
    }

    /** A range of another process, registered by that process, served here (see Builder#serveRemote). */
    private record RemoteRange(long start, long length, long pageSize, boolean poisonOnGiveUp) {}

    static final class Counters {
        final LongAdder missing = new LongAdder();
        final LongAdder writeProtect = new LongAdder();
        final LongAdder minor = new LongAdder();
        final LongAdder events = new LongAdder();
        final LongAdder removes = new LongAdder();
        final LongAdder races = new LongAdder();
        final LongAdder retries = new LongAdder();
        final LongAdder failures = new LongAdder();
        final LongAdder gaveUp = new LongAdder();
        final LongAdder poisoned = new LongAdder();
    }

    public static Builder builder(Userfaultfd uffd) {
        return new Builder(uffd);
    }

    /** Configures a server; {@link #start()} registers the ranges and starts the threads. */
    public static final class Builder {
        private final Userfaultfd uffd;
        private final List<Mapping> mappings = new ArrayList<>();
        private final List<Set<RegisterMode>> modes = new ArrayList<>();
        private final List<GuardedMemory.Mode> accessModes = new ArrayList<>();
        private final List<RemoteRange> remotes = new ArrayList<>();
        private FaultHandler handler;
        private FaultServerListener listener = new FaultServerListener() {};
        private WaitStrategy waitStrategy = WaitStrategy.block();
        private FailurePolicy failurePolicy = FailurePolicy.defaults();
        private int threads = 1;
        private int batchSize = 64;
        private Duration drainTimeout = Duration.ofSeconds(30);
        private int retryCapacity = 1024;

        private Builder(Userfaultfd uffd) {
            this.uffd = Objects.requireNonNull(uffd);
        }

        /** Registers {@code mapping} for the given fault kinds; guarded access picks its mode automatically. */
        public Builder serve(Mapping mapping, RegisterMode first, RegisterMode... more) {
            return serve(mapping, EnumSet.of(first, more), null);
        }

        /**
         * Registers {@code mapping} and fixes how its {@link GuardedMemory} reaches memory
         * (null: CHECKED when the userfaultfd handles kernel faults, DIRECT when it is user-mode-only).
         */
        public Builder serve(Mapping mapping, Set<RegisterMode> registerModes, GuardedMemory.Mode accessMode) {
            Objects.requireNonNull(mapping, "mapping");
            if (registerModes == null || registerModes.isEmpty()) {
                throw new IllegalArgumentException("registerModes " + registerModes + " is empty (accepted: at least one RegisterMode)");
            }
            if (accessMode == GuardedMemory.Mode.CHECKED && uffd.userModeOnly()) {
                throw new InvalidRequestException("serve", mapping.address(), mapping.size(),
                        "serve refused for " + mapping + ": CHECKED guarded access makes the kernel take the faults, "
                        + "which a user-mode-only userfaultfd does not report; use DIRECT");
            }
            if (mappings.contains(Objects.requireNonNull(mapping))) {
                throw new IllegalArgumentException("serve refused: " + mapping + " is already in this server");
            }
            mappings.add(mapping);
            modes.add(Set.copyOf(registerModes));
            accessModes.add(accessMode != null ? accessMode
                    : uffd.userModeOnly() ? GuardedMemory.Mode.DIRECT : GuardedMemory.Mode.CHECKED);
            return this;
        }

        /**
         * Serves [start, start + length) of the process that created the userfaultfd, which registered
         * it already (this server typically runs in another process and received the descriptor over a
         * Unix socket). Such faults are taken by threads of the other process, so they cannot block this
         * JVM's safepoints. {@code poisonOnGiveUp}: whether pages may be poisoned when the handler gives up
         * (the faulting access then gets SIGBUS; for a JVM reading with MemorySegment that is an
         * InternalError in the accessing thread).
         */
        public Builder serveRemote(long start, long length, long pageSize, boolean poisonOnGiveUp) {
            if (length <= 0 || pageSize <= 0 || start % pageSize != 0 || length % pageSize != 0) {
                throw new io.uffd4j.error.RangeArgumentException("serveRemote", start, length, "serveRemote refused for start 0x"
                        + Long.toHexString(start) + ", length " + length + ": the range must be a positive number of whole pages of "
                        + pageSize + " bytes");
            }
            remotes.add(new RemoteRange(start, length, pageSize, poisonOnGiveUp));
            return this;
        }

        public Builder handler(FaultHandler handler) {
            this.handler = Objects.requireNonNull(handler);
            return this;
        }

        public Builder listener(FaultServerListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        public Builder waitStrategy(WaitStrategy strategy) {
            this.waitStrategy = Objects.requireNonNull(strategy);
            return this;
        }

        public Builder failurePolicy(FailurePolicy policy) {
            this.failurePolicy = Objects.requireNonNull(policy);
            return this;
        }

        /** Number of handler threads (default 1). */
        public Builder threads(int n) {
            if (n < 1 || n > 256) {
                throw new IllegalArgumentException("threads " + n + " is out of range (accepted: 1 to 256)");
            }
            this.threads = n;
            return this;
        }

        /** Messages read per read(2) (default 64). */
        public Builder batchSize(int n) {
            if (n < 1 || n > 4096) {
                throw new IllegalArgumentException("batchSize " + n + " is out of range (accepted: 1 to 4096)");
            }
            this.batchSize = n;
            return this;
        }

        /** How long {@link FaultServer#close()} waits for guarded accesses in progress (default 30 s). */
        public Builder drainTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "drainTimeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("drainTimeout " + timeout + " is negative (accepted: 0 or more)");
            }
            this.drainTimeout = timeout;
            return this;
        }

        /** Faults each handler thread can hold for a later retry (default 1024); small values let tests overflow it. */
        Builder retryCapacity(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("retry capacity must be at least 1, was " + n);
            }
            this.retryCapacity = n;
            return this;
        }

        public FaultServer start() {
            if (handler == null) {
                throw new IllegalStateException("a FaultServer needs a handler");
            }
            if (mappings.isEmpty() && remotes.isEmpty()) {
                throw new IllegalStateException("a FaultServer needs at least one range to serve");
            }
            if (!uffd.nonBlocking()) {
                throw new InvalidRequestException("FaultServer", 0, 0,
                        "FaultServer start refused: the userfaultfd must be non-blocking (poll reports POLLERR on a blocking one)");
            }
            return new FaultServer(this);
        }
    }

    private FaultServer(Builder b) {
        this.uffd = b.uffd;
        this.handler = b.handler;
        this.listener = b.listener;
        this.waitStrategy = b.waitStrategy;
        this.failurePolicy = b.failurePolicy;
        this.retryCapacity = b.retryCapacity;
        this.drainTimeout = b.drainTimeout;
        this.ranges = new ServedRange[b.mappings.size() + b.remotes.size()];
        int entered = 0;
        int registered = 0;
        EventFd stopFd = EventFd.create();
        try {
            for (int i = 0; i < b.mappings.size(); i++) {
                Mapping m = b.mappings.get(i);
                if (!m.isOpen()) {
                    // Its address range may belong to a newer mapping by now: never register it.
                    throw new ClosedException("serve", "serve refused: " + m + " is closed");
                }
                // Claimed before registering: a mapping another server serves must not be registered (nor,
                // on rollback, unregistered) by this one.
                MappingBridge.ops().enterServedInProcess(m);
                entered++;
                Registration r = uffd.register(m.address(), m.size(), b.modes.get(i));
                registered++;
                GuardedMemory.Mode mode = b.accessModes.get(i);
                boolean poison = failurePolicy.onGiveUp() == FailurePolicy.GiveUp.POISON
                        && mode == GuardedMemory.Mode.CHECKED;
                ranges[i] = new ServedRange(m.address(), m.size(), m.pageSize(), m, r, new GuardedMemory(m, mode, uffd),
                        poison, true);
            }
            for (int i = 0; i < b.remotes.size(); i++) {
                RemoteRange rr = b.remotes.get(i);
                boolean poison = failurePolicy.onGiveUp() == FailurePolicy.GiveUp.POISON && rr.poisonOnGiveUp();
                ranges[b.mappings.size() + i] = new ServedRange(rr.start(), rr.length(), rr.pageSize(), null, null,
                        null, poison, false);
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < registered; i++) {
                safeUnregister(b.mappings.get(i));
            }
            for (int i = 0; i < entered; i++) {
                MappingBridge.ops().leaveServedInProcess(b.mappings.get(i));
            }
            stopFd.close();
            throw e;
        }
        this.stop = stopFd;
        for (int i = 0; i < b.threads; i++) {
            HandlerLoop loop = new HandlerLoop(this, b.batchSize);
            Thread t = Thread.ofPlatform().daemon().name("uffd4j-fault-" + id + "-" + i).unstarted(loop);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    /** The guarded accessor of a served mapping. */
    public GuardedMemory guarded(Mapping mapping) {
        Objects.requireNonNull(mapping);
        for (ServedRange r : ranges) {
            if (r.mapping == mapping) {
                return r.guarded;
            }
        }
        throw new IllegalArgumentException(mapping + " is not served by this server");
    }

    /** The registration of a served mapping (its ioctl set). */
    public Registration registration(Mapping mapping) {
        Objects.requireNonNull(mapping);
        for (ServedRange r : ranges) {
            if (r.mapping == mapping) {
                return r.registration;
            }
        }
        throw new IllegalArgumentException(mapping + " is not served by this server");
    }

    ServedRange rangeOf(long address) {
        for (ServedRange r : ranges) {
            if (r.contains(address)) {
                return r;
            }
        }
        return null;
    }

    public Userfaultfd userfaultfd() {
        return uffd;
    }

    public boolean isRunning() {
        return running;
    }

    /** Counters and the service-time distribution since the server started. */
    public synchronized ServerStats stats() {
        serviceTotal.add(serviceTime.getIntervalHistogram());
        Counters c = counters;
        return new ServerStats(c.missing.sum(), c.writeProtect.sum(), c.minor.sum(), c.events.sum(),
                c.removes.sum(), c.races.sum(), c.retries.sum(), c.failures.sum(), c.gaveUp.sum(),
                c.poisoned.sum(), LatencySummary.of(serviceTotal));
    }

    /** A copy of the service-time histogram (nanoseconds). */
    public synchronized Histogram serviceTimeHistogram() {
        serviceTotal.add(serviceTime.getIntervalHistogram());
        return serviceTotal.copy();
    }

    void reportServerError(Throwable t) {
        LOG.log(System.Logger.Level.ERROR, "fault server thread " + Thread.currentThread().getName() + " stopped", t);
        try {
            listener.onServerError(t);
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.ERROR, "listener.onServerError threw", e);
        }
    }

    /**
     * Drains guarded accesses in progress, stops the handler threads, unregisters the ranges and gives
     * raw access back to the mappings. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        for (ServedRange r : ranges) {
            if (r.guarded != null) {
                r.guarded.beginClose();
            }
        }
        for (ServedRange r : ranges) {
            if (r.guarded != null && !r.guarded.awaitIdle(deadline)) {
                LOG.log(System.Logger.Level.ERROR, "guarded accesses to " + r.mapping
                        + " did not finish within " + drainTimeout + "; they will fail with ClosedException");
            }
        }
        running = false;
        stop.signal(1);
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) {
                LOG.log(System.Logger.Level.ERROR, t.getName() + " is still inside its handler after "
                        + drainTimeout + "; leaving it behind");
            }
        }
        for (ServedRange r : ranges) {
            if (r.mapping != null) {
                r.guarded.markUnregistered();
                safeUnregister(r.mapping);
                MappingBridge.ops().leaveServedInProcess(r.mapping);
            }
        }
        stop.close();
    }

    private void safeUnregister(Mapping m) {
        if (!uffd.isOpen()) {
            return;
        }
        try {
            uffd.unregister(m.address(), m.size());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "unregistering " + m + " failed", e);
        }
        // UFFDIO_UNREGISTER wakes the threads waiting in the range before it write-locks the vma, so a
        // fault handled under the per-vma lock (Linux 6.6+) can queue itself just after that wake and
        // then wait forever. Once unregister returned, every such fault has queued: wake them again.
        try {
            uffd.wake(m.address(), m.size()).orThrow();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "waking faults left in " + m + " failed", e);
        }
    }
}
