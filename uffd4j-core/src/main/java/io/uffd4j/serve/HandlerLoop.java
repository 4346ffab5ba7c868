package io.uffd4j.serve;

import io.uffd4j.EventBatch;
import io.uffd4j.Ioctl;
import io.uffd4j.Modes;
import io.uffd4j.Resolver;
import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;
import io.uffd4j.event.EventType;
import io.uffd4j.event.FaultKind;
import io.uffd4j.event.PageFault;
import io.uffd4j.event.UffdEvent;
import io.uffd4j.ipc.Poller;

/**
 * One fault-server thread: read a batch of messages, handle each, retry what must be retried.
 * Allocates nothing per fault on the success path (messages are read into a reused native buffer,
 * the {@link Fault} view and the {@link Resolver} are reused, counters are LongAdders and the
 * histogram is an HdrHistogram Recorder).
 */
final class HandlerLoop implements Runnable {
    private static final System.Logger LOG = System.getLogger(FaultServer.class.getName());
    private static final jdk.jfr.EventType JFR_TYPE = jdk.jfr.EventType.getEventType(FaultServedEvent.class);

    private final FaultServer server;
    private final EventBatch batch;
    private final Resolver resolver;
    private final Fault fault = new Fault();
    private final RetryQueue retries;
    private static final Modes<io.uffd4j.PoisonMode> POISON_DONTWAKE = Modes.of(io.uffd4j.PoisonMode.DONTWAKE);
    private final FailurePolicy policy;
    private final long spinNanos;
    private static final long OVERFLOW_LOG_INTERVAL_NANOS = 1_000_000_000L;
    private long lastOverflowLog = System.nanoTime() - OVERFLOW_LOG_INTERVAL_NANOS;

    HandlerLoop(FaultServer server, int batchSize) {
        this.server = server;
        this.batch = new EventBatch(batchSize);
        this.resolver = server.uffd.newResolver();
        this.policy = server.failurePolicy;
        this.retries = new RetryQueue(server.retryCapacity);
        this.spinNanos = switch (server.waitStrategy) {
            case WaitStrategy.Block b -> 0;
            case WaitStrategy.Spin s -> Long.MAX_VALUE;
            case WaitStrategy.SpinThenBlock s -> s.spin().toNanos();
        };
    }

    @Override
    public void run() {
        try (Poller poller = new Poller(server.uffd.fd(), server.stop.fd())) {
            loop(poller);
        } catch (Throwable t) {
            if (server.running) {
                server.reportServerError(t);
            }
        } finally {
            batch.close();
        }
    }

    private void loop(Poller poller) {
        long lastWork = System.nanoTime();
        while (server.running) {
            int n = server.uffd.read(batch);
            if (n > 0) {
                handleBatch(n);
                lastWork = System.nanoTime();
            }
            if (!retries.isEmpty()) {
                retryDue();
            }
            if (n == 0) {
                idle(poller, lastWork);
            }
        }
    }

    private void idle(Poller poller, long lastWork) {
        long now = System.nanoTime();
        if (spinNanos == Long.MAX_VALUE || now - lastWork < spinNanos) {
            Thread.onSpinWait();
            return;
        }
        int timeout = -1;
        if (!retries.isEmpty()) {
            long wait = retries.nextDue() - now;
            timeout = wait <= 0 ? 0 : (int) Math.min(Integer.MAX_VALUE, Math.max(1, wait / 1_000_000));
        }
        poller.poll(timeout);
    }

    private void handleBatch(int n) {
        for (int i = 0; i < n; i++) {
            if (batch.isPageFault(i)) {
                long t0 = System.nanoTime();
                long address = batch.faultAddress(i);
                FaultKind kind = batch.faultKind(i);
                count(kind);
                serve(address, kind, batch.isWrite(i), batch.faultThreadId(i), 1, t0);
            } else {
                handleEvent(i);
            }
        }
    }

    private void count(FaultKind kind) {
        switch (kind) {
            case MISSING -> server.counters.missing.increment();
            case WRITE_PROTECT -> server.counters.writeProtect.increment();
            case MINOR -> server.counters.minor.increment();
        }
    }

    private void handleEvent(int i) {
        server.counters.events.increment();
        if (batch.type(i) == EventType.REMOVE) {
            server.counters.removes.increment();
        }
        UffdEvent event = batch.event(i);
        try {
            server.listener.onEvent(event);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "listener.onEvent threw on " + event, t);
        }
    }

    private void retryDue() {
        long now = System.nanoTime();
        int n = retries.size();
        for (int k = 0; k < n && !retries.isEmpty(); k++) {
            if (retries.peekDue() > now) {
                retries.rotate();
                continue;
            }
            long address = retries.peekAddress();
            FaultKind kind = retries.peekKind();
            boolean write = retries.peekWrite();
            int tid = retries.peekThreadId();
            int attempt = retries.peekAttempt();
            retries.pop();
            serve(address, kind, write, tid, attempt, now);
        }
    }

    /** Calls the handler for one fault and acts on the resolver's last result. */
    private void serve(long address, FaultKind kind, boolean write, int tid, int attempt, long t0) {
        FaultServer.ServedRange range = server.rangeOf(address);
        if (range == null) {
            // Not ours (a range unregistered meanwhile): wake it so the thread does not wait forever.
            wakeQuietly(address & -server.uffd.pageSize(), server.uffd.pageSize());
            return;
        }
        fault.set(address, kind, write, tid, range, attempt);
        FaultServedEvent jfr = null;
        if (JFR_TYPE.isEnabled()) {
            jfr = new FaultServedEvent();
            jfr.begin();
        }
        resolver.reset();
        Throwable failure = null;
        try {
            server.handler.handle(fault, resolver);
        } catch (Throwable t) {
            failure = t;
        }
        String outcome;
        if (failure == null) {
            Ioctl op = resolver.lastOperation();
            Errno e = resolver.lastError();
            if (fault.isDeferred()) {
                outcome = "deferred";
            } else if (op == null) {
                failure = new IllegalStateException("the handler returned without resolving " + fault);
                outcome = "failed";
            } else if (e == Errno.NONE) {
                outcome = "resolved";
            } else if (e == Errno.EEXIST && kind != FaultKind.WRITE_PROTECT) {
                // A page already mapped answers a missing or minor fault (another thread got there first).
                // A write-protect fault is about a mapped page, so EEXIST there means the handler used the
                // wrong ioctl: a failure, not a race (otherwise the fault would repeat forever).
                server.counters.races.increment();
                wakeQuietly(fault.pageAddress(), fault.pageSize());
                outcome = "race";
            } else if (e == Errno.EAGAIN) {
                server.counters.retries.increment();
                retryLater(range, address, kind, write, tid, attempt, System.nanoTime(), null);
                outcome = "retry";
            } else {
                failure = resolver.failure();
                outcome = "failed";
            }
        } else {
            outcome = "failed";
        }
        if (failure != null) {
            onFailure(range, address, kind, write, tid, attempt, failure);
        }
        server.serviceTime.recordValue(Math.min(FaultServer.MAX_TRACKED_NANOS, Math.max(1, System.nanoTime() - t0)));
        if (jfr != null) {
            jfr.address = address;
            jfr.kind = kind.name();
            jfr.write = write;
            jfr.outcome = outcome;
            jfr.attempt = attempt;
            jfr.commit();
        }
    }

    private void onFailure(FaultServer.ServedRange range, long address, FaultKind kind, boolean write, int tid,
                           int attempt, Throwable failure) {
        server.counters.failures.increment();
        PageFault record = new PageFault(address, kind, write, tid);
        LOG.log(System.Logger.Level.WARNING, "fault handler failed on " + fault + ": " + failure);
        try {
            server.listener.onHandlerFailure(record, attempt, failure);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "listener.onHandlerFailure threw", t);
        }
        long now = System.nanoTime();
        if (attempt < policy.attempts()) {
            retryLater(range, address, kind, write, tid, attempt + 1, now + policy.backoffNanos(attempt), failure);
            return;
        }
        server.counters.gaveUp.increment();
        if (kind == FaultKind.WRITE_PROTECT) {
            // The page is mapped and its contents are right; only the handler's bookkeeping failed. Let the
            // write proceed rather than block the writer forever.
            long page = address & -range.pageSize;
            resolver.writeProtect(page, range.pageSize, Modes.none());
            LOG.log(System.Logger.Level.ERROR, "gave up on " + fault + " after " + attempt
                    + " attempts; the page is unprotected so the write can proceed", failure);
            notifyGaveUp(record, failure, false);
            return;
        }
        boolean poisoned = range.poisonOnGiveUp && poison(range, address);
        LOG.log(System.Logger.Level.ERROR, "gave up on " + fault + " after " + attempt + " attempts"
                + (poisoned ? "; the page is poisoned and accesses to it fail" : "; retrying every "
                + policy.maxBackoff().toMillis() + " ms"), failure);
        notifyGaveUp(record, failure, poisoned);
        if (!poisoned) {
            retryLater(range, address, kind, write, tid, attempt + 1, now + policy.maxBackoff().toNanos(), failure);
        }
    }

    /**
     * Queues a fault for another attempt. A fault is never dropped when the queue is full (its thread would
     * wait in the kernel forever): where the range may be poisoned it is given up (the access fails), otherwise
     * it is woken without a page, so the thread faults again and the kernel reports the fault anew.
     */
    private void retryLater(FaultServer.ServedRange range, long address, FaultKind kind, boolean write, int tid,
                            int attempt, long dueNanos, Throwable failure) {
        if (retries.offer(address, kind, write, tid, attempt, dueNanos)) {
            return;
        }
        long page = address & -range.pageSize;
        if (range.poisonOnGiveUp && kind != FaultKind.WRITE_PROTECT) {
            server.counters.gaveUp.increment();
            boolean poisoned = poison(range, address);
            String full = retryQueueFull();
            Throwable why = new IllegalStateException(full, failure);
            LOG.log(System.Logger.Level.ERROR, "gave up on the fault at 0x" + Long.toHexString(address) + ": " + full
                    + (poisoned ? "; the page is poisoned and accesses to it fail" : "; waking it to fault again"));
            notifyGaveUp(new PageFault(address, kind, write, tid), why, poisoned);
            if (poisoned) {
                return;
            }
        } else if (System.nanoTime() - lastOverflowLog > OVERFLOW_LOG_INTERVAL_NANOS) {
            lastOverflowLog = System.nanoTime();
            LOG.log(System.Logger.Level.WARNING, retryQueueFull() + "; faults that find it full are woken to fault again");
        }
        wakeQuietly(page, range.pageSize);
    }

    private String retryQueueFull() {
        return "the retry queue of " + Thread.currentThread().getName() + " is full (" + retries.size()
                + " faults wait for another attempt)";
    }

    private void notifyGaveUp(PageFault record, Throwable failure, boolean poisoned) {
        try {
            server.listener.onGaveUp(record, failure, poisoned);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "listener.onGaveUp threw", t);
        }
    }

    private boolean poison(FaultServer.ServedRange range, long address) {
        long page = address & -range.pageSize;
        // DONTWAKE, count, then wake: whoever the wake releases sees the counter already updated.
        Errno e = resolver.poison(page, range.pageSize, POISON_DONTWAKE);
        if (e == Errno.NONE) {
            server.counters.poisoned.increment();
            wakeQuietly(page, range.pageSize);
            return true;
        }
        if (e == Errno.EEXIST) {
            // The page was populated meanwhile: the access can complete.
            wakeQuietly(page, range.pageSize);
            return true;
        }
        LOG.log(System.Logger.Level.ERROR, "UFFDIO_POISON failed: " + resolver.failure().getMessage());
        return false;
    }

    private void wakeQuietly(long page, long size) {
        try {
            resolver.wake(page, size);
        } catch (UffdException e) {
            LOG.log(System.Logger.Level.WARNING, "UFFDIO_WAKE failed", e);
        }
    }
}
