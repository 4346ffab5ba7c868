package io.uffd4j.serve;

import io.uffd4j.EventBatch;
import io.uffd4j.Modes;
import io.uffd4j.PoisonMode;
import io.uffd4j.Resolver;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;
import io.uffd4j.event.EventType;
import io.uffd4j.event.FaultKind;
import io.uffd4j.event.PageFault;
import io.uffd4j.event.UffdEvent;
import io.uffd4j.ipc.EventFd;
import io.uffd4j.ipc.Poller;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The fault engine: one thread's loop over one or more userfaultfds, shared by every component that
 * serves faults (the in-process {@link FaultServer}, the pager's region servers, compaction).
 *
 * <p>From the kernel's message to the ioctl: read a batch of messages; for each page fault find its
 * {@link ServedRange}, call the {@link FaultHandler} and act on its {@link Resolution} (wake on
 * ALREADY_PRESENT, queue a retry on RETRY); hand other messages to the {@link FaultListener}. A handler
 * failure is retried with backoff under the {@link FailurePolicy}, then given up: the page is poisoned
 * where its range allows it (the access fails), a write-protect fault is unprotected (the write
 * proceeds), otherwise it is retried at the longest backoff. A fault is never dropped: when the retry
 * queue is full it is given up (poison) or woken to fault again. When no message waits, the loop runs
 * the component's {@link BackgroundWork}, then waits as its {@link WaitStrategy} says.
 *
 * <p>Serving a fault allocates nothing: messages are read into reused native buffers, the handler gets
 * a reused {@link PageFault} and the descriptor's {@link Resolver}, retries wait in primitive arrays,
 * counters are LongAdders and service times go to an HdrHistogram Recorder ({@link FaultStats}).
 * JFR {@code io.uffd4j.FaultServed} events are made only while a recording enables them.
 */
public final class FaultLoop implements Runnable {
    private static final System.Logger LOG = System.getLogger(FaultLoop.class.getName());
    private static final jdk.jfr.EventType JFR_TYPE = jdk.jfr.EventType.getEventType(FaultServedEvent.class);
    private static final Modes<PoisonMode> POISON_DONTWAKE = Modes.of(PoisonMode.DONTWAKE);
    private static final long OVERFLOW_LOG_INTERVAL_NANOS = 1_000_000_000L;

    /** Finds the served range holding an address (without allocating), or null if none does. */
    @FunctionalInterface
    public interface Ranges {
        ServedRange find(long address);
    }

    /** Work a component does while no fault waits, in bounded steps so that a fault waits at most one step. */
    @FunctionalInterface
    public interface BackgroundWork {
        /** One bounded step; true if it did something (the loop then reads again without waiting). */
        boolean step();
    }

    /** Asked after the loop waited a whole quiet period with nothing to do; false ends the loop. */
    @FunctionalInterface
    public interface QuietCheck {
        boolean stillServing();
    }

    private final Userfaultfd[] uffds;
    private final EventBatch[] batches;
    private final Resolver[] resolvers;
    private final Ranges ranges;
    private final FaultHandler handler;
    private final FaultListener listener;
    private final FailurePolicy policy;
    private final FaultStats stats;
    private final BackgroundWork background;
    private final QuietCheck quietCheck;
    private final int quietMillis;
    private final long spinNanos;
    /** The server's shared stop signal, or null: the loop makes its own while it runs. */
    private final EventFd sharedStop;
    private EventFd ownStop;
    private final RetryQueue retries;
    private final LoopFault fault = new LoopFault();
    private long lastOverflowLog = System.nanoTime() - OVERFLOW_LOG_INTERVAL_NANOS;
    private volatile boolean running = true;
    private volatile boolean endedByItself;
    /** System.nanoTime() (odd) when the current fault or background step started, 0 when idle. */
    private volatile long busySince;

    /** The reused fault handed to handlers; only this loop refills it. */
    private static final class LoopFault extends PageFault {
        void fill(long address, FaultKind kind, boolean write, int threadId, ServedRange range, int attempt) {
            set(address, kind, write, threadId, range.pageSize(), range.start(), attempt);
        }
    }

    private FaultLoop(Builder b) {
        int n = b.uffds.size();
        this.uffds = b.uffds.toArray(Userfaultfd[]::new);
        this.batches = new EventBatch[n];
        this.resolvers = new Resolver[n];
        for (int i = 0; i < n; i++) {
            batches[i] = new EventBatch(b.batchSize);
            resolvers[i] = uffds[i].newResolver();
        }
        this.ranges = b.ranges;
        this.handler = b.handler;
        this.listener = b.listener;
        this.policy = b.policy;
        this.stats = b.stats;
        this.background = b.background;
        this.quietCheck = b.quietCheck;
        this.quietMillis = b.quietCheck == null ? -1 : (int) Math.max(1, Math.min(Integer.MAX_VALUE, b.quietPeriod.toMillis()));
        this.spinNanos = switch (b.waitStrategy) {
            case WaitStrategy.Block x -> 0;
            case WaitStrategy.Spin x -> Long.MAX_VALUE;
            case WaitStrategy.SpinThenBlock s -> s.spin().toNanos();
        };
        this.sharedStop = b.stop;
        this.retries = new RetryQueue(b.retryCapacity);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a loop; the caller runs it on a thread of its own ({@link #run()}). */
    public static final class Builder {
        private final List<Userfaultfd> uffds = new ArrayList<>();
        private Ranges ranges;
        private FaultHandler handler;
        private FaultListener listener = new FaultListener() {};
        private FailurePolicy policy = FailurePolicy.defaults();
        private FaultStats stats;
        private WaitStrategy waitStrategy = WaitStrategy.block();
        private BackgroundWork background;
        private QuietCheck quietCheck;
        private Duration quietPeriod;
        private EventFd stop;
        private int batchSize = 64;
        private int retryCapacity = 1024;

        private Builder() {}

        /** A descriptor to read (at least one; at most 8, e.g. the pager's main and tracking descriptors). Must be non-blocking. */
        public Builder read(Userfaultfd uffd) {
            Objects.requireNonNull(uffd, "uffd");
            if (!uffd.nonBlocking()) {
                throw new IllegalArgumentException("uffd " + uffd + " is blocking (accepted: a non-blocking userfaultfd;"
                        + " poll reports POLLERR on a blocking one)");
            }
            if (uffds.size() == 8) {
                throw new IllegalArgumentException("a fault loop reads at most 8 descriptors");
            }
            uffds.add(uffd);
            return this;
        }

        public Builder ranges(Ranges ranges) {
            this.ranges = Objects.requireNonNull(ranges, "ranges");
            return this;
        }

        public Builder handler(FaultHandler handler) {
            this.handler = Objects.requireNonNull(handler, "handler");
            return this;
        }

        public Builder listener(FaultListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public Builder failurePolicy(FailurePolicy policy) {
            this.policy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /** Where counters and service times go (shared by the loops of one server); default: the loop's own. */
        public Builder stats(FaultStats stats) {
            this.stats = Objects.requireNonNull(stats, "stats");
            return this;
        }

        public Builder waitStrategy(WaitStrategy strategy) {
            this.waitStrategy = Objects.requireNonNull(strategy, "waitStrategy");
            return this;
        }

        public Builder background(BackgroundWork work) {
            this.background = Objects.requireNonNull(work, "background");
            return this;
        }

        /** After {@code period} with nothing to do, ask {@code check} whether to go on. */
        public Builder quietCheck(Duration period, QuietCheck check) {
            Objects.requireNonNull(period, "period");
            if (period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("quiet period " + period + " is out of range (accepted: positive)");
            }
            this.quietPeriod = period;
            this.quietCheck = Objects.requireNonNull(check, "check");
            return this;
        }

        /** An eventfd that stops the loop when signalled (shared by the loops of one server); default: the loop's own. */
        public Builder stopSignal(EventFd stop) {
            this.stop = Objects.requireNonNull(stop, "stop");
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

        /** Faults held for a later attempt (default 1024). */
        public Builder retryCapacity(int n) {
            if (n < 1 || n > 1 << 20) {
                throw new IllegalArgumentException("retryCapacity " + n + " is out of range (accepted: 1 to 1048576)");
            }
            this.retryCapacity = n;
            return this;
        }

        boolean hasHandler() {
            return handler != null;
        }

        FailurePolicy failurePolicy() {
            return policy;
        }

        /** A loop (each call a new one, with the same configuration: a server's threads). */
        public FaultLoop build() {
            if (uffds.isEmpty()) {
                throw new IllegalStateException("a fault loop needs a userfaultfd to read");
            }
            if (ranges == null || handler == null) {
                throw new IllegalStateException("a fault loop needs ranges and a handler");
            }
            if (stats == null) {
                stats = new FaultStats();
            }
            return new FaultLoop(this);
        }
    }

    // ---- what the component sees ------------------------------------------------------------------

    /** The resolver of descriptor {@code i} (in the order given to the builder); for this loop's thread only. */
    public Resolver resolver(int i) {
        return resolvers[i];
    }

    public FaultStats stats() {
        return stats;
    }

    /** System.nanoTime() when the current fault or background step began, 0 when the loop is idle (for hang detection). */
    public long busySince() {
        return busySince;
    }

    public boolean isRunning() {
        return running;
    }

    /** Whether the loop ended because its {@link QuietCheck} said so (rather than {@link #stop()} or an error). */
    public boolean endedByItself() {
        return endedByItself;
    }

    /** Asks the loop to end (also before it runs); it returns from {@link #run()} after the fault in hand. */
    public void stop() {
        running = false;
        if (sharedStop != null) {
            sharedStop.signal(1);
            return;
        }
        synchronized (this) {
            if (ownStop != null) {
                ownStop.signal(1);
            }
        }
    }

    // ---- the loop ---------------------------------------------------------------------------------

    @Override
    public void run() {
        EventFd stop;
        synchronized (this) {
            stop = sharedStop != null ? sharedStop : (ownStop = EventFd.create());
        }
        int[] fds = new int[uffds.length + 1];
        fds[uffds.length] = stop.fd();
        try (Poller poller = new Poller(withDescriptors(fds))) {
            loop(poller);
        } catch (Throwable t) {
            if (running) {
                running = false;
                LOG.log(System.Logger.Level.ERROR, "fault loop " + Thread.currentThread().getName() + " stopped", t);
                try {
                    listener.onServerError(t);
                } catch (Throwable e) {
                    LOG.log(System.Logger.Level.ERROR, "listener.onServerError threw", e);
                }
            }
        } finally {
            busySince = 0;
            for (EventBatch b : batches) {
                b.close();
            }
            synchronized (this) {
                if (ownStop != null) {
                    ownStop.close();
                    ownStop = null;
                }
            }
        }
    }

    private int[] withDescriptors(int[] fds) {
        for (int i = 0; i < uffds.length; i++) {
            fds[i] = uffds[i].fd();
        }
        return fds;
    }

    private void loop(Poller poller) {
        long lastWork = System.nanoTime();
        while (running) {
            int n = 0;
            for (int s = 0; s < uffds.length; s++) {
                int k = uffds[s].read(batches[s]);
                if (k > 0) {
                    handleBatch(s, k);
                    n += k;
                }
            }
            if (!retries.isEmpty()) {
                retryDue();
            }
            if (n > 0 || !running) {
                lastWork = System.nanoTime();
                continue;
            }
            if (background != null && backgroundStep()) {
                lastWork = System.nanoTime();
                continue;
            }
            idle(poller, lastWork);
        }
    }

    private boolean backgroundStep() {
        busySince = System.nanoTime() | 1;
        try {
            return background.step();
        } finally {
            busySince = 0;
        }
    }

    private void idle(Poller poller, long lastWork) {
        long now = System.nanoTime();
        if (spinNanos == Long.MAX_VALUE || now - lastWork < spinNanos) {
            Thread.onSpinWait();
            return;
        }
        int timeout = quietMillis;
        if (!retries.isEmpty()) {
            long wait = retries.nextDue() - now;
            int untilDue = wait <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.max(1, wait / 1_000_000));
            timeout = timeout < 0 ? untilDue : Math.min(timeout, untilDue);
        }
        int ready = poller.poll(timeout);
        if (ready == 0 && retries.isEmpty() && quietCheck != null && !quietCheck.stillServing()) {
            endedByItself = true;
            running = false;
        }
    }

    private void handleBatch(int s, int n) {
        EventBatch batch = batches[s];
        for (int i = 0; i < n; i++) {
            if (batch.isPageFault(i)) {
                long t0 = System.nanoTime();
                FaultKind kind = batch.faultKind(i);
                stats.countFault(kind);
                serve(s, batch.faultAddress(i), kind, batch.isWrite(i), batch.faultThreadId(i), 1, t0);
            } else {
                handleEvent(batch, i);
            }
        }
    }

    private void handleEvent(EventBatch batch, int i) {
        stats.events.increment();
        if (batch.type(i) == EventType.REMOVE) {
            stats.removes.increment();
        }
        UffdEvent event = batch.event(i);
        try {
            listener.onEvent(event);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "listener.onEvent threw on " + event, t);
        }
    }

    private void retryDue() {
        long now = System.nanoTime();
        int n = retries.size();
        for (int k = 0; k < n && !retries.isEmpty() && running; k++) {
            if (retries.peekDue() > now) {
                retries.rotate();
                continue;
            }
            int source = retries.peekSource();
            long address = retries.peekAddress();
            FaultKind kind = retries.peekKind();
            boolean write = retries.peekWrite();
            int tid = retries.peekThreadId();
            int attempt = retries.peekAttempt();
            retries.pop();
            serve(source, address, kind, write, tid, attempt, now);
        }
    }

    /** Calls the handler for one fault and acts on its resolution. */
    private void serve(int source, long address, FaultKind kind, boolean write, int tid, int attempt, long t0) {
        Resolver resolver = resolvers[source];
        ServedRange range = ranges.find(address);
        if (range == null) {
            // Not ours (a range unregistered meanwhile): wake it so the thread does not wait forever.
            long page = uffds[source].pageSize();
            wakeQuietly(resolver, address & -page, page);
            return;
        }
        fault.fill(address, kind, write, tid, range, attempt);
        FaultServedEvent jfr = null;
        if (JFR_TYPE.isEnabled()) {
            jfr = new FaultServedEvent();
            jfr.begin();
        }
        busySince = t0 | 1;
        resolver.reset();
        Resolution resolution = null;
        Throwable failure = null;
        try {
            resolution = handler.handle(fault, resolver);
            if (resolution == null) {
                failure = new IllegalStateException("the handler returned no resolution for " + fault);
            } else if (resolution == Resolution.ALREADY_PRESENT && kind == FaultKind.WRITE_PROTECT) {
                failure = new IllegalStateException("the handler answered a write-protect fault with an installing ioctl"
                        + " (the page is mapped: unprotect it instead) for " + fault);
            }
        } catch (Throwable t) {
            failure = t;
        }
        if (failure != null) {
            resolution = null;
            onFailure(source, range, address, kind, write, tid, attempt, failure);
        } else {
            switch (resolution) {
                case ALREADY_PRESENT -> {
                    stats.races.increment();
                    wakeQuietly(resolver, fault.pageAddress(), range.pageSize());
                }
                case RETRY -> {
                    stats.retries.increment();
                    retryLater(source, range, address, kind, write, tid, attempt, System.nanoTime(), null);
                }
                case RESOLVED, DEFERRED, GONE -> { }
            }
        }
        stats.recordServiceTime(System.nanoTime() - t0);
        busySince = 0;
        if (jfr != null) {
            jfr.address = address;
            jfr.kind = kind.name();
            jfr.write = write;
            jfr.outcome = resolution == null ? "FAILED" : resolution.name();
            jfr.attempt = attempt;
            jfr.commit();
        }
    }

    private void onFailure(int source, ServedRange range, long address, FaultKind kind, boolean write, int tid,
                           int attempt, Throwable failure) {
        stats.failures.increment();
        PageFault record = fault.copy();
        LOG.log(System.Logger.Level.WARNING, "fault handler failed on " + record + ": " + failure);
        try {
            listener.onHandlerFailure(record, failure);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "listener.onHandlerFailure threw", t);
        }
        long now = System.nanoTime();
        boolean unservable = failure instanceof UnservablePageException;
        if (attempt < policy.attempts() && !unservable) {
            retryLater(source, range, address, kind, write, tid, attempt + 1, now + policy.backoffNanos(attempt), failure);
            return;
        }
        stats.gaveUp.increment();
        Resolver resolver = resolvers[source];
        long page = address & -range.pageSize();
        if (kind == FaultKind.WRITE_PROTECT) {
            // The page is mapped and its contents are right; only the handler's bookkeeping failed. Let the
            // write proceed rather than block the writer forever.
            resolver.writeProtect(page, range.pageSize(), Modes.none());
            LOG.log(System.Logger.Level.ERROR, "gave up on " + record + " after " + attempt
                    + " attempts; the page is unprotected so the write can proceed", failure);
            notifyGaveUp(record, failure, false);
            return;
        }
        boolean poisoned = range.poisonOnGiveUp() && poison(resolver, range, address);
        LOG.log(System.Logger.Level.ERROR, "gave up on " + record + " after " + attempt + " attempt(s)"
                + (poisoned ? "; the page is poisoned and accesses to it fail" : "; retrying every "
                + policy.maxBackoff().toMillis() + " ms"), failure);
        notifyGaveUp(record, failure, poisoned);
        if (!poisoned) {
            retryLater(source, range, address, kind, write, tid, attempt + 1, now + policy.maxBackoff().toNanos(), failure);
        }
    }

    /**
     * Queues a fault for another attempt. A fault is never dropped when the queue is full (its thread would
     * wait in the kernel forever): a fault the handler failed on is given up where the range may be poisoned
     * (the access fails); otherwise (a RETRY, or a range that must not be poisoned) it is woken without a
     * page, so the thread faults again and the kernel reports the fault anew.
     */
    private void retryLater(int source, ServedRange range, long address, FaultKind kind, boolean write, int tid,
                            int attempt, long dueNanos, Throwable failure) {
        if (retries.offer(source, address, kind, write, tid, attempt, dueNanos)) {
            return;
        }
        Resolver resolver = resolvers[source];
        long page = address & -range.pageSize();
        if (failure != null && range.poisonOnGiveUp() && kind != FaultKind.WRITE_PROTECT) {
            stats.gaveUp.increment();
            boolean poisoned = poison(resolver, range, address);
            String full = retryQueueFull();
            Throwable why = new IllegalStateException(full, failure);
            LOG.log(System.Logger.Level.ERROR, "gave up on the fault at 0x" + Long.toHexString(address) + ": " + full
                    + (poisoned ? "; the page is poisoned and accesses to it fail" : "; waking it to fault again"));
            fault.fill(address, kind, write, tid, range, attempt); // the handler has returned: the view is free
            notifyGaveUp(fault.copy(), why, poisoned);
            if (poisoned) {
                return;
            }
        } else if (System.nanoTime() - lastOverflowLog > OVERFLOW_LOG_INTERVAL_NANOS) {
            lastOverflowLog = System.nanoTime();
            LOG.log(System.Logger.Level.WARNING, retryQueueFull() + "; faults that find it full are woken to fault again");
        }
        wakeQuietly(resolver, page, range.pageSize());
    }

    private String retryQueueFull() {
        return "the retry queue of " + Thread.currentThread().getName() + " is full (" + retries.size()
                + " faults wait for another attempt)";
    }

    private void notifyGaveUp(PageFault record, Throwable failure, boolean poisoned) {
        try {
            listener.onGaveUp(record, failure, poisoned);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "listener.onGaveUp threw", t);
        }
    }

    private boolean poison(Resolver resolver, ServedRange range, long address) {
        long page = address & -range.pageSize();
        // DONTWAKE, count, then wake: whoever the wake releases sees the counter already updated.
        Errno e = resolver.poison(page, range.pageSize(), POISON_DONTWAKE);
        if (e == Errno.NONE) {
            stats.poisoned.increment();
            wakeQuietly(resolver, page, range.pageSize());
            return true;
        }
        if (e == Errno.EEXIST) {
            // The page was populated meanwhile: the access can complete.
            wakeQuietly(resolver, page, range.pageSize());
            return true;
        }
        LOG.log(System.Logger.Level.ERROR, "UFFDIO_POISON failed: " + resolver.failure().getMessage());
        return false;
    }

    private static void wakeQuietly(Resolver resolver, long page, long size) {
        try {
            Errno e = resolver.wake(page, size);
            if (e != Errno.NONE && e != Errno.ESRCH && e != Errno.ENOENT) {
                LOG.log(System.Logger.Level.WARNING, "UFFDIO_WAKE failed: " + e);
            }
        } catch (UffdException e) {
            LOG.log(System.Logger.Level.WARNING, "UFFDIO_WAKE failed", e);
        }
    }
}
