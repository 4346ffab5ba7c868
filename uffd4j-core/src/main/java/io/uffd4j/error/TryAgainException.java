package io.uffd4j.error;

/** Only part of the range was done, or a non-cooperative event (fork, remap, remove, unmap) is waiting to be read (EAGAIN); read events, then retry from {@link #bytesDone()}. */
public final class TryAgainException extends UffdException {
    public TryAgainException(String operation, long start, long length, long bytesDone, String message) {
        super(operation, Errno.EAGAIN, start, length, bytesDone, message);
    }
}
