package io.uffd4j.error;

/** A fatal signal interrupted the operation (EINTR). */
public final class InterruptedOperationException extends UffdException {
    public InterruptedOperationException(String operation, long start, long length, long bytesDone, String message) {
        super(operation, Errno.EINTR, start, length, bytesDone, message);
    }
}
