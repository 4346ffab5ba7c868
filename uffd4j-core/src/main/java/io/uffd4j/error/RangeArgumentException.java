package io.uffd4j.error;

/**
 * A range refused before any system call (misaligned, zero or negative length, outside user space, not
 * inside the object it addresses): an argument check, not the kernel's answer. The kernel's own EINVAL
 * is an {@link InvalidRequestException}.
 */
public final class RangeArgumentException extends IllegalArgumentException {
    private final String operation;
    private final long start;
    private final long length;

    public RangeArgumentException(String operation, long start, long length, String message) {
        super(message);
        this.operation = operation;
        this.start = start;
        this.length = length;
    }

    /** The refused operation (e.g. "UFFDIO_COPY", "madvise"). */
    public String operation() {
        return operation;
    }

    public long start() {
        return start;
    }

    public long length() {
        return length;
    }
}
