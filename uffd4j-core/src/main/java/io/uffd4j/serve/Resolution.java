package io.uffd4j.serve;

import io.uffd4j.Resolver;
import io.uffd4j.error.Errno;

/** What a {@link FaultHandler} did with a fault; the fault loop acts on it. */
public enum Resolution {
    /** The page is installed and the faulting thread woken (by the ioctl, or by the handler after DONTWAKE). */
    RESOLVED,
    /**
     * The page was there already (EEXIST: another thread installed it first); the loop wakes the faulting
     * thread. For a write-protect fault this is a failure: the page is mapped by definition, and
     * answering with an installing ioctl would make the fault repeat forever.
     */
    ALREADY_PRESENT,
    /** Not now (EAGAIN: a non-cooperative event is pending): the loop reads its messages and calls the handler again. */
    RETRY,
    /** Another thread will resolve the fault and wake the page; the loop does nothing more. */
    DEFERRED,
    /**
     * Nothing is left to serve (ENOENT, ESRCH: the range was unregistered or unmapped, or the process that
     * faulted is gone); nobody waits on the page any more.
     */
    GONE;

    /**
     * The resolution a handler's last ioctl on {@code resolver} stands for: no error is RESOLVED, EEXIST
     * ALREADY_PRESENT, EAGAIN RETRY, ENOENT and ESRCH GONE; any other error is thrown as its specific
     * exception (the loop then retries under its failure policy).
     *
     * @throws IllegalStateException if no ioctl was called for this fault
     */
    public static Resolution from(Resolver resolver) {
        if (resolver.lastOperation() == null) {
            throw new IllegalStateException("the handler called no ioctl for this fault");
        }
        Errno e = resolver.lastError();
        return switch (e) {
            case NONE -> RESOLVED;
            case EEXIST -> ALREADY_PRESENT;
            case EAGAIN -> RETRY;
            case ENOENT, ESRCH -> GONE;
            default -> throw resolver.failure();
        };
    }

    /**
     * {@link #from(Resolver)} for a handler written as one expression:
     * {@code (fault, r) -> Resolution.from(r.copy(...), r)}.
     */
    public static Resolution from(Errno result, Resolver resolver) {
        if (result != resolver.lastError()) {
            throw new IllegalArgumentException("result " + result + " is not the resolver's last result " + resolver.lastError());
        }
        return from(resolver);
    }
}
