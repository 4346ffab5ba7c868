package io.uffd4j.pager;

/** The pager could not do what was asked (start, open a region, answer in time); the message says why. */
public class PagerException extends RuntimeException {
    public PagerException(String message) {
        super(message);
    }

    public PagerException(String message, Throwable cause) {
        super(message, cause);
    }
}
