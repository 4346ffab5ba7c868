package io.uffd4j.pager.source;

/** A page source could not deliver (or verify) the content at {@code offset}. */
public class PageReadException extends Exception {
    private final long offset;

    public PageReadException(long offset, String message) {
        super(message);
        this.offset = offset;
    }

    public PageReadException(long offset, String message, Throwable cause) {
        super(message, cause);
        this.offset = offset;
    }

    /** Offset in the region of the first byte that failed. */
    public long offset() {
        return offset;
    }
}
