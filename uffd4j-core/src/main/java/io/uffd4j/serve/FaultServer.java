package io.uffd4j.serve;

import io.uffd4j.RegisterMode;
import io.uffd4j.Registration;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.ClosedException;
import io.uffd4j.internal.MappingBridge;
import io.uffd4j.ipc.EventFd;
import io.uffd4j.mm.Mapping;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves the faults of one userfaultfd with handler threads of this JVM, each running a {@link FaultLoop}.
 *
 * <pre>{@code
 * try (Userfaultfd uffd = Userfaultfd.open();
 *      Mapping region = Mapping.anonymous(64 << 20);
 *      FaultServer server = FaultServer.builder(uffd)
 *              .serve(region, RegisterMode.MISSING)
 *              .handler((fault, resolver) -> {
 *                  resolver.copy(fault.pageAddress(), page, fault.pageSize(), NONE);
 *                  return Resolution.from(resolver);
 *              })
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

    private final Userfaultfd uffd;
    private final FailurePolicy failurePolicy;
    private final Served[] served;
    private final ServedRange[] ranges;
    private final FaultStats stats = new FaultStats();
    private final EventFd stop;
    private final List<FaultLoop> loops = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Duration drainTimeout;
    private final int id = IDS.incrementAndGet();
    private boolean closed;

    /** A range of this server with what it needs besides the loop's view of it. */
    private record Served(ServedRange range, Mapping mapping, Registration registration, GuardedMemory guarded) {}

    public static Builder builder(Userfaultfd uffd) {
        return new Builder(uffd);
    }

    /** Configures a server; {@link #start()} registers the ranges and starts the threads. */
    public static final class Builder {
        private final Userfaultfd uffd;
        private final List<Mapping> mappings = new ArrayList<>();
        private final List<Set<RegisterMode>> modes = new ArrayList<>();
        private final List<GuardedMemory.Mode> accessModes = new ArrayList<>();
        /** What each handler thread's loop is built from (handler, listener, policy, waiting, batches, retries). */
        private final FaultLoop.Builder loop = FaultLoop.builder();
        private int threads = 1;
        private Duration drainTimeout = Duration.ofSeconds(30);

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
                throw new io.uffd4j.error.RangeArgumentException("serve", mapping.address(), mapping.size(),
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

        public Builder handler(FaultHandler handler) {
            loop.handler(handler);
            return this;
        }

        public Builder listener(FaultListener listener) {
            loop.listener(listener);
            return this;
        }

        public Builder waitStrategy(WaitStrategy strategy) {
            loop.waitStrategy(strategy);
            return this;
        }

        public Builder failurePolicy(FailurePolicy policy) {
            loop.failurePolicy(policy);
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
            loop.batchSize(n);
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

        /** Faults each handler thread can hold for a later retry (default 1024). */
        public Builder retryCapacity(int n) {
            loop.retryCapacity(n);
            return this;
        }

        public FaultServer start() {
            if (!loop.hasHandler()) {
                throw new IllegalStateException("a FaultServer needs a handler");
            }
            if (mappings.isEmpty()) {
                throw new IllegalStateException("a FaultServer needs at least one range to serve");
            }
            if (!uffd.nonBlocking()) {
                throw new IllegalArgumentException(
                        "FaultServer start refused: the userfaultfd must be non-blocking (poll reports POLLERR on a blocking one)");
            }
            return new FaultServer(this);
        }
    }

    private FaultServer(Builder b) {
        this.uffd = b.uffd;
        this.failurePolicy = b.loop.failurePolicy();
        this.drainTimeout = b.drainTimeout;
        this.served = new Served[b.mappings.size()];
        this.ranges = new ServedRange[served.length];
        int entered = 0;
        int registered = 0;
        EventFd stopFd = EventFd.create();
        try {
            for (int i = 0; i < served.length; i++) {
                Mapping m = b.mappings.get(i);
                if (!m.isOpen()) {
                    // Its address range may belong to a newer mapping by now: never register it.
                    throw new ClosedException("serve", "serve refused: " + m + " is closed");
                }
                // Claimed before registering: a mapping another server serves must not be registered (nor,
                // on rollback, unregistered) by this one.
                MappingBridge.<Mapping>ops().enterServedInProcess(m);
                entered++;
                Registration r = uffd.register(m.address(), m.size(), b.modes.get(i));
                registered++;
                GuardedMemory.Mode mode = b.accessModes.get(i);
                // A DIRECT access to a poisoned page raises SIGBUS in native code, which ends the JVM.
                boolean poison = failurePolicy.onGiveUp() == FailurePolicy.GiveUp.POISON && mode == GuardedMemory.Mode.CHECKED;
                ranges[i] = new ServedRange(m.address(), m.size(), m.pageSize(), poison);
                served[i] = new Served(ranges[i], m, r, new GuardedMemory(m, mode, uffd));
            }
        } catch (RuntimeException e) {
            for (int i = 0; i < registered; i++) {
                safeUnregister(b.mappings.get(i));
            }
            for (int i = 0; i < entered; i++) {
                MappingBridge.<Mapping>ops().leaveServedInProcess(b.mappings.get(i));
            }
            stopFd.close();
            throw e;
        }
        this.stop = stopFd;
        b.loop.read(uffd).ranges(this::rangeOf).stats(stats).stopSignal(stopFd);
        for (int i = 0; i < b.threads; i++) {
            FaultLoop loop = b.loop.build();
            loops.add(loop);
            threads.add(Thread.ofPlatform().daemon().name("uffd4j-fault-" + id + "-" + i).unstarted(loop));
        }
        threads.forEach(Thread::start);
    }

    /** The guarded accessor of a served mapping. */
    public GuardedMemory guarded(Mapping mapping) {
        return servedOf(mapping).guarded();
    }

    /** The registration of a served mapping (its ioctl set). */
    public Registration registration(Mapping mapping) {
        return servedOf(mapping).registration();
    }

    private Served servedOf(Mapping mapping) {
        Objects.requireNonNull(mapping, "mapping");
        for (Served s : served) {
            if (s.mapping() == mapping) {
                return s;
            }
        }
        throw new IllegalArgumentException(mapping + " is not served by this server");
    }

    private ServedRange rangeOf(long address) {
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

    /** Whether every handler thread is still serving. */
    public boolean isRunning() {
        for (FaultLoop loop : loops) {
            if (!loop.isRunning()) {
                return false;
            }
        }
        return true;
    }

    /** Counters and the service-time distribution since the server started. */
    public ServerStats stats() {
        return stats.snapshot();
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
        for (Served s : served) {
            s.guarded().beginClose();
        }
        for (Served s : served) {
            if (!s.guarded().awaitIdle(deadline)) {
                LOG.log(System.Logger.Level.ERROR, "guarded accesses to " + s.mapping()
                        + " did not finish within " + drainTimeout + "; they will fail with ClosedException");
            }
        }
        for (FaultLoop loop : loops) {
            loop.stop();
        }
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
        for (Served s : served) {
            s.guarded().markUnregistered();
            safeUnregister(s.mapping());
            MappingBridge.<Mapping>ops().leaveServedInProcess(s.mapping());
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
