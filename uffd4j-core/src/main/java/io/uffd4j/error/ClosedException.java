package io.uffd4j.error;

/** The userfaultfd, mapping or descriptor was closed before (or while) the operation ran. */
public final class ClosedException extends UffdException {
    public ClosedException(String operation, String message) {
        super(operation, Errno.EBADF, 0, 0, 0, message);
    }
}
