package io.uffd4j.error;

/** The destination already has a page mapped (EEXIST): another thread or handler resolved it first, or the range was populated. */
public final class AlreadyMappedException extends UffdException {
    public AlreadyMappedException(String operation, long start, long length, long bytesDone, String message) {
        super(operation, Errno.EEXIST, start, length, bytesDone, message);
    }
}
