package io.uffd4j.error;

/** The range is not (or no longer) mapped and registered, crosses the end of its mapping, or (MOVE) the source has a hole (ENOENT). */
public final class NotMappedException extends UffdException {
    public NotMappedException(String operation, long start, long length, long bytesDone, String message) {
        super(operation, Errno.ENOENT, start, length, bytesDone, message);
    }
}
