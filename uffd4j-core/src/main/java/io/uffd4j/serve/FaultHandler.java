package io.uffd4j.serve;

import io.uffd4j.Resolver;

/**
 * Resolves one page fault, on a fault-server thread.
 *
 * <p>The handler resolves the fault with the given {@link Resolver} (COPY, ZEROPAGE, CONTINUE, MOVE,
 * or unprotecting a write-protected page) and returns. The server then looks at the resolver's last
 * result: EEXIST (another thread resolved the page first) is success and the page is woken; EAGAIN (a
 * non-cooperative event is pending) makes the server read events and call the handler again; any
 * other error, an exception, or returning without calling the resolver is a failure, reported and
 * retried under the server's {@link FailurePolicy}. A handler that hands the fault to another thread
 * calls {@link Fault#defer()}; that thread must then resolve or wake the page.
 *
 * <p>A handler must not touch the served memory itself and must not wait for application threads.
 * It is called with a reused {@link Fault}: do not keep it after returning.
 */
@FunctionalInterface
public interface FaultHandler {
    void handle(Fault fault, Resolver resolver) throws Exception;
}
