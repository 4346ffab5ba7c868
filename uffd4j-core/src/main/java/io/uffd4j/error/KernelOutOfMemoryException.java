package io.uffd4j.error;

/** The kernel could not allocate memory for the operation (ENOMEM). */
public final class KernelOutOfMemoryException extends UffdException {
    public KernelOutOfMemoryException(String operation, long start, long length, long bytesDone, String message) {
        super(operation, Errno.ENOMEM, start, length, bytesDone, message);
    }
}
