package io.uffd4j;

import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;

/**
 * What a resolving ioctl (COPY, ZEROPAGE, CONTINUE, POISON, MOVE, and WRITEPROTECT/WAKE) did:
 * how many bytes of the range it completed and, if it stopped short, why.
 *
 * <p>The kernel reports partial progress as bytes done plus EAGAIN; kernels before an April 2025 fix
 * could leave the byte count unwritten in a race, which uffd4j detects with a sentinel and reports
 * as zero bytes done.
 *
 * @param operation the ioctl
 * @param start     start of the destination range
 * @param length    bytes requested
 * @param bytesDone bytes completed (equal to {@code length} on success)
 * @param error     {@link Errno#NONE} on success, else the errno
 */
public record Progress(Ioctl operation, long start, long length, long bytesDone, Errno error) {

    /** True if the whole range was done. */
    public boolean complete() {
        return error == Errno.NONE;
    }

    /** True if the kernel did part of the range and asks to retry the rest (EAGAIN with bytes done). */
    public boolean partial() {
        return error == Errno.EAGAIN && bytesDone > 0;
    }

    /** The specific exception for the error, or null when complete. */
    public UffdException exception() {
        if (complete()) {
            return null;
        }
        return UffdException.of(operation.kernelName(), error, error.code(), start, length, bytesDone,
                operation.meaning(error));
    }

    /** Returns this if complete, otherwise throws the specific exception for the error. */
    public Progress orThrow() {
        UffdException e = exception();
        if (e != null) {
            throw e;
        }
        return this;
    }
}
