package io.uffd4j.error;

/** The process whose memory the userfaultfd serves has exited (ESRCH). */
public final class ProcessExitedException extends UffdException {
    public ProcessExitedException(String operation, long start, long length, long bytesDone, String message) {
        super(operation, Errno.ESRCH, start, length, bytesDone, message);
    }
}
