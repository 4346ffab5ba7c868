package io.uffd4j.serve;

import io.uffd4j.Resolver;
import io.uffd4j.event.PageFault;

/**
 * Resolves one page fault, on a fault-loop thread, and says what it did.
 *
 * <p>The handler resolves the fault with the given {@link Resolver} (COPY, ZEROPAGE, CONTINUE, MOVE,
 * or unprotecting a write-protected page) and returns a {@link Resolution}; after a single ioctl,
 * {@code return Resolution.from(resolver)}. An exception is a failure, reported and retried under the
 * loop's {@link FailurePolicy}; {@link UnservablePageException} gives up at once. Whatever the handler
 * does, the faulting thread is resolved, retried, or woken with an error: it never waits forever.
 *
 * <p>A handler must not touch the served memory itself and must not wait for application threads.
 * It is called with a reused {@link PageFault}: keep {@link PageFault#copy()} if it needs the fault
 * after returning.
 */
@FunctionalInterface
public interface FaultHandler {
    Resolution handle(PageFault fault, Resolver resolver) throws Exception;
}
