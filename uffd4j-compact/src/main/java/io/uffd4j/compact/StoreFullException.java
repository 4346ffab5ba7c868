package io.uffd4j.compact;

/** The region (or the record table) has no room for the record; compacting may make room. */
public final class StoreFullException extends RuntimeException {
    public StoreFullException(String message) {
        super(message);
    }
}
