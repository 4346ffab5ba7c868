package io.uffd4j.snapshot;

/** A snapshot could not be taken or was abandoned; the region itself is unaffected. */
public final class SnapshotException extends RuntimeException {
    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
