package io.uffd4j.ipc;

import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.ffm.Abi;
import io.uffd4j.internal.ffm.CallState;
import io.uffd4j.internal.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * poll(2) over a fixed set of descriptors with a reusable native pollfd array (no allocation per
 * wait). Not thread-safe: one poller per waiting thread. The descriptors must outlive it.
 */
public final class Poller implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment fds;
    private final MemorySegment errnoState;
    private final int count;
    private boolean closed;

    public Poller(int... descriptors) {
        this.count = descriptors.length;
        this.fds = arena.allocate(8L * count, 4);
        this.errnoState = CallState.allocate(arena);
        for (int i = 0; i < count; i++) {
            fds.set(JAVA_INT, 8L * i, descriptors[i]);
            fds.set(JAVA_SHORT, 8L * i + 4, Abi.POLLIN);
        }
    }

    /**
     * Waits until a descriptor is readable or has an error, at most {@code timeoutMillis} (-1: forever).
     * Returns the number of ready descriptors (0 on timeout). Interrupted waits return 0.
     */
    public int poll(int timeoutMillis) {
        if (closed) {
            throw new io.uffd4j.error.ClosedException("poll", "poll on a closed Poller");
        }
        for (int i = 0; i < count; i++) {
            fds.set(JAVA_SHORT, 8L * i + 6, (short) 0);
        }
        int r = Libc.poll(errnoState, fds.address(), count, timeoutMillis);
        if (r < 0) {
            if (Errno.of(-r) == Errno.EINTR) {
                return 0;
            }
            throw UffdException.of("poll", -r, null);
        }
        return r;
    }

    private short revents(int i) {
        return fds.get(JAVA_SHORT, 8L * i + 6);
    }

    public boolean readable(int i) {
        return (revents(i) & Abi.POLLIN) != 0;
    }

    /** The peer hung up or the descriptor is in error or invalid. */
    public boolean failed(int i) {
        return (revents(i) & (Abi.POLLERR | Abi.POLLHUP | Abi.POLLNVAL)) != 0;
    }

    public boolean hungUp(int i) {
        return (revents(i) & Abi.POLLHUP) != 0;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
