package io.uffd4j.compact.internal;

import io.uffd4j.Resolver;
import io.uffd4j.event.FaultKind;
import io.uffd4j.event.PageFault;
import io.uffd4j.serve.FailurePolicy;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.FaultListener;
import io.uffd4j.serve.Resolution;
import io.uffd4j.serve.GuardedMemory;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * The store's fault server and its handler: a user who touches a page the cycle in progress has not
 * produced yet gets it produced by a fault-server thread; outside a cycle the handler only wakes.
 */
final class CycleFaultHandler implements AutoCloseable {
    private final long pageSize;
    private final LongAdder handlerFailures = new LongAdder();
    private final ThreadLocal<PageWorker> handlerWorkers = new ThreadLocal<>();
    /** The cycle fault handlers serve (set in the start pause, cleared when it ends). */
    private volatile Cycle serving;
    private final FaultServer server;

    /**
     * One fault server for the store's lifetime: its threads wait idle between cycles. The region is
     * registered only during cycles (in the start pause); the server is started with it registered and
     * it is unregistered at once, so the pause only has to register it. Closes the userfaultfd and the
     * space if it cannot start.
     */
    CycleFaultHandler(StoreContext context) {
        this.pageSize = context.pageSize();
        try {
            this.server = FaultServer.builder(context.uffd())
                    .serve(context.space().region(), context.space().registerModes(), GuardedMemory.Mode.DIRECT)
                    .handler(this::onFault)
                    .threads(context.config().faultThreads())
                    .waitStrategy(context.config().faultWait())
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
            context.uffd().unregister(context.region(), context.regionSize());
        } catch (RuntimeException e) {
            context.uffd().close();
            context.space().close();
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

    /** Produces {@code cycle}'s pages on fault from now on. In the start pause. */
    void serve(Cycle cycle) {
        serving = cycle;
    }

    /** Stops producing pages: faults are only woken (the region is about to be unregistered). */
    void stopServing() {
        serving = null;
    }

    /** The cycle whose pages are produced on fault, or null. */
    Cycle serving() {
        return serving;
    }

    /** Fault-handler failures reported by the fault server so far (0 unless something is wrong). */
    long failures() {
        return handlerFailures.sum();
    }

    @Override
    public void close() {
        server.close();
    }
}
