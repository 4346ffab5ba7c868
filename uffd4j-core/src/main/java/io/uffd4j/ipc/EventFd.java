package io.uffd4j.ipc;

import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.NativeFd;
import io.uffd4j.internal.ffm.Abi;
import io.uffd4j.internal.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** An eventfd(2): a counter another thread can poll on; used to wake and stop fault loops. */
public final class EventFd implements AutoCloseable {
    private final NativeFd fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment value = arena.allocate(8, 8);

    private EventFd(int fd) {
        this.fd = new NativeFd(fd, "eventfd");
    }

    /** A non-blocking, close-on-exec eventfd starting at zero. */
    public static EventFd create() {
        int fd = Libc.eventfd(0, Abi.EFD_CLOEXEC | Abi.EFD_NONBLOCK);
        if (fd < 0) {
            throw UffdException.of("eventfd", -fd, null);
        }
        return new EventFd(fd);
    }

    /** Adds {@code n} to the counter, making the descriptor readable. */
    public synchronized void signal(long n) {
        int number = fd.acquire("write(eventfd)");
        try {
            value.set(JAVA_LONG, 0, n);
            long r = Libc.write(number, value.address(), 8);
            if (r < 0 && Errno.of((int) -r) != Errno.EAGAIN) {
                throw UffdException.of("write(eventfd)", (int) -r, null);
            }
        } finally {
            fd.release();
        }
    }

    /** Reads and resets the counter; 0 if it was zero. */
    public synchronized long drain() {
        int number = fd.acquire("read(eventfd)");
        try {
            long r = Libc.read(number, value.address(), 8);
            if (r < 0) {
                if (Errno.of((int) -r) == Errno.EAGAIN) {
                    return 0;
                }
                throw UffdException.of("read(eventfd)", (int) -r, null);
            }
            return value.get(JAVA_LONG, 0);
        } finally {
            fd.release();
        }
    }

    public int fd() {
        int n = fd.acquire("fd");
        fd.release();
        return n;
    }

    @Override
    public synchronized void close() {
        if (fd.close()) {
            arena.close();
        }
    }
}
