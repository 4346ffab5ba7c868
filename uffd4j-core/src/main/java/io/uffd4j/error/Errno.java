package io.uffd4j.error;

/**
 * The error numbers the kernel returns to uffd4j, with what they mean. {@link #NONE} stands for
 * success so that result types never carry a null error.
 */
public enum Errno {
    NONE(0, "no error"),
    EPERM(1, "operation not permitted"),
    ENOENT(2, "no such entry"),
    ESRCH(3, "no such process"),
    EINTR(4, "interrupted by a signal"),
    EIO(5, "I/O error"),
    ENXIO(6, "no such device or address"),
    E2BIG(7, "argument list too long"),
    EBADF(9, "bad file descriptor"),
    EAGAIN(11, "try again"),
    ENOMEM(12, "out of memory"),
    EACCES(13, "permission denied"),
    EFAULT(14, "bad address"),
    EBUSY(16, "device or resource busy"),
    EEXIST(17, "already exists"),
    EXDEV(18, "cross-device link"),
    ENODEV(19, "no such device"),
    ENOTDIR(20, "not a directory"),
    EISDIR(21, "is a directory"),
    EINVAL(22, "invalid argument"),
    ENFILE(23, "file table overflow"),
    EMFILE(24, "too many open files"),
    ENOTTY(25, "inappropriate ioctl for device"),
    EFBIG(27, "file too large"),
    ENOSPC(28, "no space left on device"),
    ESPIPE(29, "illegal seek"),
    EROFS(30, "read-only file system"),
    EPIPE(32, "broken pipe"),
    ENAMETOOLONG(36, "file name too long"),
    ENOSYS(38, "function not implemented"),
    EOVERFLOW(75, "value too large"),
    EMSGSIZE(90, "message too long"),
    EOPNOTSUPP(95, "operation not supported"),
    EADDRINUSE(98, "address already in use"),
    ECONNRESET(104, "connection reset by peer"),
    ENOTCONN(107, "transport endpoint is not connected"),
    ETIMEDOUT(110, "connection timed out"),
    ECONNREFUSED(111, "connection refused"),
    EDQUOT(122, "disk quota exceeded"),
    ECANCELED(125, "operation canceled"),
    EHWPOISON(133, "memory page has hardware error"),
    /** Any other number; the exception message carries the number itself. */
    UNKNOWN(-1, "unknown error");

    private final int code;
    private final String description;

    Errno(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The number as the kernel uses it ({@code -1} for {@link #UNKNOWN}). */
    public int code() {
        return code;
    }

    /** A short generic description, as strerror would give. */
    public String description() {
        return description;
    }

    private static final Errno[] BY_CODE = new Errno[134];

    static {
        for (Errno e : values()) {
            if (e.code >= 0) {
                BY_CODE[e.code] = e;
            }
        }
    }

    /** The constant for {@code code} (positive errno), {@link #UNKNOWN} when uffd4j has no name for it. */
    public static Errno of(int code) {
        if (code >= 0 && code < BY_CODE.length && BY_CODE[code] != null) {
            return BY_CODE[code];
        }
        return UNKNOWN;
    }
}
