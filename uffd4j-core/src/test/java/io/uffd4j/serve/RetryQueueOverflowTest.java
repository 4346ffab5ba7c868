package io.uffd4j.serve;

import io.uffd4j.Feature;
import io.uffd4j.Modes;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.PageUnavailableException;
import io.uffd4j.event.PageFault;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A handler thread's retry queue can fill up (faults the handler failed on wait there for their backoff).
 * A fault that arrives when it is full must not be dropped: its thread would wait in the kernel forever.
 * It is poisoned where the policy allows (the guarded access throws), otherwise woken so the kernel
 * reports it again. The queue holds two faults here; a third distinct fault overflows it.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RetryQueueOverflowTest {
    static final long PAGE = PageSizes.base();
    static final Duration HANG = Duration.ofSeconds(10);

    @Test
    void overflowingFaultIsPoisonedAndItsAccessThrows() throws Exception {
        FailurePolicy poison = new FailurePolicy(1_000_000, Duration.ofMillis(1), Duration.ofMillis(2),
                FailurePolicy.GiveUp.POISON);
        try (Scenario s = new Scenario(GuardedMemory.Mode.CHECKED, poison)) {
            s.fillQueueThenOverflow();
            s.gate.countDown();
            assertEquals(1, s.result(0), "a queued fault is served once the handler succeeds");
            assertEquals(2, s.result(1));
            Throwable t = s.failure(2);
            assertInstanceOf(PageUnavailableException.class, t, "the overflowing fault fails its access: " + t);
            assertEquals(1, s.server.stats().poisoned());
        }
    }

    @Test
    void overflowingFaultIsRetriedWherePoisonIsNotAllowed() throws Exception {
        FailurePolicy keepRetrying = new FailurePolicy(1_000_000, Duration.ofMillis(1), Duration.ofMillis(2),
                FailurePolicy.GiveUp.KEEP_RETRYING);
        try (Scenario s = new Scenario(GuardedMemory.Mode.DIRECT, keepRetrying)) {
            s.fillQueueThenOverflow();
            s.gate.countDown();
            assertEquals(1, s.result(0));
            assertEquals(2, s.result(1));
            assertEquals(3, s.result(2), "the overflowing fault comes back and is served");
            assertEquals(0, s.server.stats().poisoned());
        }
    }

    /** Three readers of pages 0, 1, 2; the handler fails until {@link #gate} opens, then serves page i as bytes i + 1. */
    private static final class Scenario implements AutoCloseable {
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch[] failedOnce = {new CountDownLatch(1), new CountDownLatch(1), new CountDownLatch(1)};
        @SuppressWarnings("unchecked")
        final CompletableFuture<Byte>[] reads = new CompletableFuture[3];
        final Userfaultfd uffd = Userfaultfd.builder().features(Feature.POISON).nonBlocking(true).build();
        final Mapping region = Mapping.anonymous(4 * PAGE);
        final Arena arena = Arena.ofShared();
        final MemorySegment staging = arena.allocate(PAGE, PAGE);
        final FaultServer server;

        Scenario(GuardedMemory.Mode mode, FailurePolicy policy) {
            server = FaultServer.builder(uffd)
                    .serve(region, EnumSet.of(RegisterMode.MISSING), mode)
                    .failurePolicy(policy)
                    .retryCapacity(2)
                    .drainTimeout(Duration.ofSeconds(1))
                    .listener(new FaultListener() {
                        @Override
                        public void onHandlerFailure(PageFault fault, Throwable failure) {
                            failedOnce[(int) ((fault.address() - region.address()) / PAGE)].countDown();
                        }
                    })
                    .handler((fault, resolver) -> {
                        if (gate.getCount() > 0) {
                            throw new IllegalStateException("the source is not ready yet");
                        }
                        staging.fill((byte) (fault.pageOffset() / PAGE + 1));
                        return Resolution.from(resolver.copy(fault.pageAddress(), staging.address(), PAGE, Modes.none()), resolver);
                    })
                    .start();
        }

        /** Pages 0 and 1 wait in the queue (full), then page 2 faults. */
        void fillQueueThenOverflow() throws InterruptedException {
            GuardedMemory memory = server.guarded(region);
            for (int i = 0; i < 3; i++) {
                int page = i;
                reads[i] = new CompletableFuture<>();
                Thread.ofPlatform().daemon().name("reader-" + i).start(() -> {
                    try {
                        reads[page].complete(memory.getByte(page * PAGE + 5));
                    } catch (Throwable t) {
                        reads[page].completeExceptionally(t);
                    }
                });
                assertTrue(failedOnce[i].await(HANG.toSeconds(), TimeUnit.SECONDS), "page " + i + " never reached the handler");
            }
        }

        int result(int page) throws Exception {
            try {
                return reads[page].get(HANG.toSeconds(), TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                return fail("the read of page " + page + " hangs: its fault was dropped");
            }
        }

        Throwable failure(int page) throws Exception {
            try {
                byte b = reads[page].get(HANG.toSeconds(), TimeUnit.SECONDS);
                return fail("the read of page " + page + " returned " + b);
            } catch (ExecutionException e) {
                return e.getCause();
            } catch (TimeoutException e) {
                return fail("the read of page " + page + " hangs: its fault was dropped");
            }
        }

        @Override
        public void close() {
            gate.countDown();
            server.close();
            region.close();
            uffd.close();
            arena.close();
        }
    }
}
