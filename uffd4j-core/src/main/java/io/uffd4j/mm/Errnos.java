package io.uffd4j.mm;

/** Converts the {@code -errno} results of the libc wrappers. */
final class Errnos {
    private Errnos() {}

    static int errno(long negative) {
        return (int) -negative;
    }
}
