package io.uffd4j.error;

/** A source buffer could not be read, or (CONTINUE) there is no page in the page cache, or (POISON) the page is poisoned (EFAULT). */
public final class BadAddressException extends UffdException {
    public BadAddressException(String operation, long start, long length, long bytesDone, String message) {
        super(operation, Errno.EFAULT, start, length, bytesDone, message);
    }
}
