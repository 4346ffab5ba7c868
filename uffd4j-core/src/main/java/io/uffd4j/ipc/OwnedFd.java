package io.uffd4j.ipc;

import io.uffd4j.internal.NativeFd;

/** A descriptor received from elsewhere (SCM_RIGHTS), owned until closed or handed on with {@link #release()}. */
public final class OwnedFd implements AutoCloseable {
    private final NativeFd fd;
    private boolean released;

    public OwnedFd(int number, String what) {
        this.fd = new NativeFd(number, what);
    }

    /** The descriptor number. */
    public int number() {
        int n = fd.acquire("fd");
        fd.release();
        return n;
    }

    /** Gives up ownership: the caller now owns the number (e.g. {@code Userfaultfd.adopt}). */
    public synchronized int release() {
        int n = number();
        released = true;
        return n;
    }

    @Override
    public synchronized void close() {
        if (!released) {
            fd.close();
        }
        released = true;
    }

    @Override
    public String toString() {
        return fd.toString();
    }
}
