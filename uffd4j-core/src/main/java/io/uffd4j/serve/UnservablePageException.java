package io.uffd4j.serve;

/**
 * Thrown by a {@link FaultHandler} that knows the page can never be served (its source is gone, it
 * failed verification for good): the fault loop gives up at once instead of retrying, poisoning the
 * page where its range allows it, and reports the reason to the listener.
 */
public final class UnservablePageException extends RuntimeException {
    public UnservablePageException(String reason) {
        super(reason);
    }

    public UnservablePageException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
