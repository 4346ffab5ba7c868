package io.uffd4j.serve;

import io.uffd4j.event.ForkEvent;
import io.uffd4j.event.PageFault;
import io.uffd4j.event.UffdEvent;

/**
 * Hears what a fault loop does besides resolving faults. Called on fault-loop threads; must be quick
 * and must not throw (exceptions are logged and ignored). Faults passed here are copies: keep them.
 */
public interface FaultListener {
    /**
     * A non-cooperative event (FORK, REMAP, REMOVE, UNMAP). The listener owns a {@link ForkEvent}'s
     * child descriptor; the default closes it.
     */
    default void onEvent(UffdEvent event) {
        if (event instanceof ForkEvent fork) {
            fork.child().close();
        }
    }

    /** The handler failed on {@code fault} (its attempt number is {@link PageFault#attempt()}); the loop will retry. */
    default void onHandlerFailure(PageFault fault, Throwable failure) {}

    /**
     * The loop gave up on {@code fault} after the policy's attempts (or at once after an
     * {@link UnservablePageException}). {@code poisoned} tells whether the page was poisoned (accesses
     * fail) or whether the loop keeps retrying at the longest backoff. A write-protect fault is given up
     * by unprotecting the page (its contents are already right), so the write proceeds.
     */
    default void onGaveUp(PageFault fault, Throwable lastFailure, boolean poisoned) {}

    /** A loop thread stopped because of an unexpected error (e.g. the userfaultfd was closed under it). */
    default void onServerError(Throwable error) {}
}
