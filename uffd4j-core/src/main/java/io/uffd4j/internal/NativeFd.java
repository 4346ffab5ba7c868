package io.uffd4j.internal;

import io.uffd4j.error.ClosedException;
import io.uffd4j.internal.ffm.Libc;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A file descriptor that cannot be closed while a call is using it.
 *
 * <p>Closing a descriptor another thread is about to use lets the kernel hand the same number to a new
 * file, and the late call then acts on the wrong file. Callers {@link #acquire} around each use; the
 * descriptor is closed when it has been closed and the last user has released it.
 * State: bit 0 = closed, bits 1.. = number of users.
 */
public final class NativeFd {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(NativeFd.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int fd;
    private final String what;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    public NativeFd(int fd, String what) {
        if (fd < 0) {
            throw new IllegalArgumentException("invalid descriptor " + fd + " for " + what);
        }
        this.fd = fd;
        this.what = what;
    }

    /** Marks the descriptor in use; throws {@link ClosedException} naming {@code operation} if it was closed. */
    public int acquire(String operation) {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & 1) != 0) {
                throw new ClosedException(operation, operation + " on a closed " + what);
            }
            if (STATE.compareAndSet(this, s, s + 2)) {
                return fd;
            }
        }
    }

    public void release() {
        int after = (int) STATE.getAndAdd(this, -2) - 2;
        if (after == 1) {
            Libc.close(fd);
        }
    }

    /** Closes now if unused, otherwise when the last user releases. Returns false if already closed. */
    public boolean close() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & 1) != 0) {
                return false;
            }
            if (STATE.compareAndSet(this, s, s | 1)) {
                if (s == 0) {
                    Libc.close(fd);
                }
                return true;
            }
        }
    }

    public boolean isOpen() {
        return ((int) STATE.getVolatile(this) & 1) == 0;
    }

    /** The number itself, for holders that keep an {@link #acquire} for their whole life. */
    public int number() {
        return fd;
    }

    public String what() {
        return what;
    }

    @Override
    public String toString() {
        return what + "(fd " + fd + (isOpen() ? ")" : ", closed)");
    }
}
