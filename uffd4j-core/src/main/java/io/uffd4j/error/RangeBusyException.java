package io.uffd4j.error;

/** The range is busy (EBUSY): registered with another userfaultfd, or (MOVE) a source page is not exclusive to the process (shared after fork, KSM, pinned). */
public final class RangeBusyException extends UffdException {
    public RangeBusyException(String operation, long start, long length, long bytesDone, String message) {
        super(operation, Errno.EBUSY, start, length, bytesDone, message);
    }
}
