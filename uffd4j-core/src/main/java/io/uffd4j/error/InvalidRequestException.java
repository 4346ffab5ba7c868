package io.uffd4j.error;

/**
 * The request is malformed or not allowed for this range (EINVAL): misaligned or zero length,
 * outside any mapping, a mode the range was not registered for, an incompatible mapping type,
 * or a second UFFDIO_API call. uffd4j checks what it can before calling the kernel and says which
 * rule was broken.
 */
public final class InvalidRequestException extends UffdException {
    public InvalidRequestException(String operation, long start, long length, String message) {
        super(operation, Errno.EINVAL, start, length, 0, message);
    }
}
