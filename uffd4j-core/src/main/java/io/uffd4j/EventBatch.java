package io.uffd4j;

import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;
import io.uffd4j.event.EventType;
import io.uffd4j.event.FaultKind;
import io.uffd4j.event.ForkEvent;
import io.uffd4j.event.PageFault;
import io.uffd4j.event.RemapEvent;
import io.uffd4j.event.RemoveEvent;
import io.uffd4j.event.UffdEvent;
import io.uffd4j.event.UnknownEvent;
import io.uffd4j.event.UnmapEvent;
import io.uffd4j.internal.ffm.Abi;
import io.uffd4j.internal.ffm.CallState;
import io.uffd4j.internal.ffm.Libc;
import io.uffd4j.ipc.OwnedFd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A reusable buffer of uffd_msg records, filled by {@link Userfaultfd#read(EventBatch)}.
 *
 * <p>The index accessors ({@link #type}, {@link #faultAddress}, ...) read the native buffer directly
 * and allocate nothing, which is what fault loops use. {@link #event(int)} decodes a message into a
 * typed {@link UffdEvent} record.
 *
 * <p>A FORK message carries a new descriptor. It belongs to the batch until claimed with
 * {@link #event(int)} or {@link #claimFork(int)}; unclaimed ones are closed at the next read or at
 * {@link #close()}, so they never leak. Not thread-safe: one batch per reading thread.
 */
public final class EventBatch implements AutoCloseable {
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private final long bufferAddress;
    private final int capacity;
    private final MemorySegment errnoState;
    private final int[] forkFds;
    private Set<Feature> forkFeatures = Set.of();
    private long pageSize = 4096;
    private int count;
    private boolean closed;

    /** A batch that holds up to {@code capacity} messages per read. */
    public EventBatch(int capacity) {
        if (capacity < 1 || capacity > 4096) {
            throw new IllegalArgumentException("capacity must be 1..4096 messages, was " + capacity);
        }
        this.capacity = capacity;
        this.buffer = arena.allocate((long) capacity * Abi.MSG_SIZE, 8);
        this.bufferAddress = buffer.address();
        this.errnoState = CallState.allocate(arena);
        this.forkFds = new int[capacity];
        Arrays.fill(forkFds, -1);
    }

    public int capacity() {
        return capacity;
    }

    /** Messages read by the last read. */
    public int count() {
        return count;
    }

    int fill(int fd, Set<Feature> features, long basePageSize) {
        if (closed) {
            throw new io.uffd4j.error.ClosedException("read", "read(userfaultfd) into a closed EventBatch");
        }
        closeUnclaimedForks();
        forkFeatures = features;
        pageSize = basePageSize;
        count = 0;
        for (;;) {
            long n = Libc.read(errnoState, fd, bufferAddress, (long) capacity * Abi.MSG_SIZE);
            if (n >= 0) {
                count = (int) (n / Abi.MSG_SIZE);
                recordForks();
                return count;
            }
            Errno e = Errno.of((int) -n);
            if (e == Errno.EAGAIN) {
                return 0;
            }
            if (e != Errno.EINTR) {
                throw UffdException.of("read(userfaultfd)", e, (int) -n, 0, 0, 0, null);
            }
        }
    }

    private void recordForks() {
        for (int i = 0; i < count; i++) {
            forkFds[i] = rawType(i) == Abi.EVENT_FORK ? buffer.get(JAVA_INT, offset(i) + 8) : -1;
        }
    }

    private void closeUnclaimedForks() {
        for (int i = 0; i < count; i++) {
            if (forkFds[i] >= 0) {
                Libc.close(forkFds[i]);
                forkFds[i] = -1;
            }
        }
    }

    private void check(int i) {
        if (i < 0 || i >= count) {
            // After close count is 0: the closed check costs nothing on the fault path.
            throw closed ? new io.uffd4j.error.ClosedException("message", "message " + i + " of a closed EventBatch")
                    : new IndexOutOfBoundsException("message " + i + " of " + count);
        }
    }

    private static long offset(int i) {
        return (long) i * Abi.MSG_SIZE;
    }

    private int rawType(int i) {
        return buffer.get(JAVA_BYTE, offset(i)) & 0xff;
    }

    public EventType type(int i) {
        check(i);
        return EventType.of(rawType(i));
    }

    public boolean isPageFault(int i) {
        check(i);
        return rawType(i) == Abi.EVENT_PAGEFAULT;
    }

    private long faultFlags(int i) {
        return buffer.get(JAVA_LONG, offset(i) + 8);
    }

    /** The faulting address (page start unless EXACT_ADDRESS was enabled). */
    public long faultAddress(int i) {
        check(i);
        return buffer.get(JAVA_LONG, offset(i) + 16);
    }

    public FaultKind faultKind(int i) {
        check(i);
        long f = faultFlags(i);
        if ((f & Abi.PAGEFAULT_FLAG_WP) != 0) {
            return FaultKind.WRITE_PROTECT;
        }
        if ((f & Abi.PAGEFAULT_FLAG_MINOR) != 0) {
            return FaultKind.MINOR;
        }
        return FaultKind.MISSING;
    }

    public boolean isWrite(int i) {
        check(i);
        return (faultFlags(i) & Abi.PAGEFAULT_FLAG_WRITE) != 0;
    }

    /** The faulting thread's id (THREAD_ID feature), else 0. */
    public int faultThreadId(int i) {
        check(i);
        return buffer.get(JAVA_INT, offset(i) + 24);
    }

    /** First field of REMAP (from), REMOVE and UNMAP (start) messages. */
    public long rangeStart(int i) {
        check(i);
        return buffer.get(JAVA_LONG, offset(i) + 8);
    }

    /** Second field of REMAP (to), REMOVE and UNMAP (end) messages. */
    public long rangeEnd(int i) {
        check(i);
        return buffer.get(JAVA_LONG, offset(i) + 16);
    }

    /** Length of a REMAP message. */
    public long remapLength(int i) {
        check(i);
        return buffer.get(JAVA_LONG, offset(i) + 24);
    }

    /** Takes ownership of the descriptor of FORK message {@code i}, as a userfaultfd with the parent's features. */
    public Userfaultfd claimFork(int i) {
        return Userfaultfd.adopt(claimForkDescriptor(i), forkFeatures);
    }

    private int claimForkDescriptor(int i) {
        check(i);
        int fd = forkFds[i];
        if (fd < 0) {
            throw new IllegalStateException("message " + i + " is not an unclaimed FORK message");
        }
        forkFds[i] = -1;
        return fd;
    }

    /** Message {@code i} decoded (allocates; claims the descriptor of a FORK message). */
    public UffdEvent event(int i) {
        check(i);
        return switch (type(i)) {
            case PAGEFAULT -> new PageFault(faultAddress(i), faultKind(i), isWrite(i), faultThreadId(i), pageSize);
            case FORK -> new ForkEvent(new OwnedFd(claimForkDescriptor(i), "a forked child's userfaultfd"));
            case REMAP -> new RemapEvent(rangeStart(i), rangeEnd(i), remapLength(i));
            case REMOVE -> new RemoveEvent(rangeStart(i), rangeEnd(i));
            case UNMAP -> new UnmapEvent(rangeStart(i), rangeEnd(i));
            case UNKNOWN -> new UnknownEvent(rawType(i));
        };
    }

    /** Closes unclaimed FORK descriptors and frees the buffer. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeUnclaimedForks();
        count = 0;
        arena.close();
    }
}
