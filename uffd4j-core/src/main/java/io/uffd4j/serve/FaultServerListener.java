package io.uffd4j.serve;

import io.uffd4j.event.ForkEvent;
import io.uffd4j.event.PageFault;
import io.uffd4j.event.UffdEvent;

/**
 * Hears what a fault server does besides resolving faults. Called on server threads; must be quick
 * and must not throw (exceptions are logged and ignored).
 */
public interface FaultServerListener {
    /**
     * A non-cooperative event (FORK, REMAP, REMOVE, UNMAP). The listener owns a
     * {@link ForkEvent}'s child descriptor; the default closes it.
     */
    default void onEvent(UffdEvent event) {
        if (event instanceof ForkEvent fork) {
            fork.child().close();
        }
    }

    /** The handler failed on {@code fault} (attempt {@code attempt}); the server will retry. */
    default void onHandlerFailure(PageFault fault, int attempt, Throwable failure) {}

    /**
     * The server gave up on {@code fault} after the policy's attempts. {@code poisoned} tells whether
     * the page was poisoned (accesses fail) or whether the server keeps retrying at the longest backoff.
     * A write-protect fault is given up by unprotecting the page (its contents are already right), so
     * the write proceeds.
     */
    default void onGaveUp(PageFault fault, Throwable lastFailure, boolean poisoned) {}

    /** A server thread stopped because of an unexpected error (e.g. the userfaultfd was closed under it). */
    default void onServerError(Throwable error) {}
}
