package io.uffd4j.error;

/**
 * A guarded access reached a page that could not be served: its handler failed every attempt and the
 * fault server poisoned the page rather than serve wrong contents (EFAULT). The page stays unavailable
 * until it is discarded ({@code GuardedMemory.discard}), after which the next access faults again.
 */
public final class PageUnavailableException extends UffdException {
    public PageUnavailableException(String operation, long start, long length, long bytesDone, String message) {
        super(operation, Errno.EFAULT, start, length, bytesDone, message);
    }
}
