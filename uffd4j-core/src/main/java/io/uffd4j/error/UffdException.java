package io.uffd4j.error;

/**
 * A failed userfaultfd operation or system call: which operation, which errno, which range, and how
 * much was done before it failed. Each errno the man pages document for userfaultfd has its own
 * subclass, so callers can catch exactly the case they handle.
 */
public class UffdException extends RuntimeException {
    private final String operation;
    private final Errno errno;
    private final long start;
    private final long length;
    private final long bytesDone;

    public UffdException(String operation, Errno errno, long start, long length, long bytesDone, String message) {
        super(message);
        this.operation = operation;
        this.errno = errno;
        this.start = start;
        this.length = length;
        this.bytesDone = bytesDone;
    }

    /** The operation, e.g. {@code UFFDIO_COPY} or {@code mmap}. */
    public String operation() {
        return operation;
    }

    public Errno errno() {
        return errno;
    }

    /** Start address of the range the operation was given (0 if none). */
    public long start() {
        return start;
    }

    /** Length of the range the operation was given (0 if none). */
    public long length() {
        return length;
    }

    /** Bytes completed before the failure (resolving ioctls only; 0 otherwise). */
    public long bytesDone() {
        return bytesDone;
    }

    /**
     * The specific exception for {@code errno}, with a message naming the operation, the range and
     * what the errno means for that operation.
     */
    public static UffdException of(String operation, Errno errno, int rawErrno, long start, long length,
                                    long bytesDone, String meaning) {
        StringBuilder m = new StringBuilder(operation).append(" failed");
        if (length != 0 || start != 0) {
            m.append(" on [0x").append(Long.toHexString(start)).append(", 0x")
                    .append(Long.toHexString(start + length)).append(") (").append(length).append(" bytes)");
        }
        if (bytesDone > 0) {
            m.append(" after ").append(bytesDone).append(" bytes");
        }
        m.append(": ").append(errno == Errno.UNKNOWN ? "errno " + rawErrno : errno.name());
        m.append(" (").append(meaning != null ? meaning : errno.description()).append(')');
        String msg = m.toString();
        return switch (errno) {
            case EEXIST -> new AlreadyMappedException(operation, start, length, bytesDone, msg);
            case ENOENT -> new NotMappedException(operation, start, length, bytesDone, msg);
            case EBUSY -> new RangeBusyException(operation, start, length, bytesDone, msg);
            case ESRCH -> new ProcessExitedException(operation, start, length, bytesDone, msg);
            case EAGAIN -> new TryAgainException(operation, start, length, bytesDone, msg);
            case EINVAL -> new InvalidRequestException(operation, start, length, msg);
            case EPERM, EACCES -> new PermissionDeniedException(operation, errno, start, length, msg);
            case ENOMEM -> new KernelOutOfMemoryException(operation, start, length, bytesDone, msg);
            case EFAULT -> new BadAddressException(operation, start, length, bytesDone, msg);
            case EINTR -> new InterruptedOperationException(operation, start, length, bytesDone, msg);
            case EBADF -> new ClosedException(operation, msg);
            default -> new UffdException(operation, errno, start, length, bytesDone, msg);
        };
    }

    /** Shorthand for a system call that has no range. */
    public static UffdException of(String operation, int rawErrno, String context) {
        Errno e = Errno.of(rawErrno);
        return of(operation, e, rawErrno, 0, 0, 0, context == null ? e.description() : context + ": " + e.description());
    }
}
