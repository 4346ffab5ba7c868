package io.uffd4j;

import io.uffd4j.error.Errno;
import io.uffd4j.error.RangeArgumentException;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.NativeFd;
import io.uffd4j.internal.ffm.Abi;
import io.uffd4j.internal.ffm.CallState;
import io.uffd4j.internal.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The resolving ioctls for one thread, without allocation: the argument struct and the errno buffer
 * are allocated once and reused, results are returned as an {@link Errno} ({@link Errno#NONE} on
 * success) and the bytes done are read with {@link #bytesDone()}.
 *
 * <p>Not thread-safe: each fault-handling thread owns one ({@link Userfaultfd#newResolver()}).
 * Misuse that can never succeed (misaligned or zero ranges, contradictory modes) throws
 * {@link IllegalArgumentException} ({@link RangeArgumentException} for ranges) before the kernel is called.
 */
public final class Resolver {
    /** Written into the output field before each call: older kernels may leave it untouched on EAGAIN. */
    static final long UNWRITTEN = Long.MIN_VALUE;

    private final Userfaultfd uffd;
    private final NativeFd fd;
    private final long pageMask;
    private final MemorySegment arg;
    private final long argAddress;
    private final MemorySegment errnoState;

    private Ioctl lastOperation;
    private long lastStart;
    private long lastLength;
    private long lastDone;
    private Errno lastError = Errno.NONE;
    private int stalls;

    Resolver(Userfaultfd uffd, NativeFd fd, long pageSize) {
        this.uffd = uffd;
        this.fd = fd;
        this.pageMask = pageSize - 1;
        Arena arena = Arena.ofAuto();
        this.arg = arena.allocate(64, 8);
        this.argAddress = arg.address();
        this.errnoState = CallState.allocate(arena);
    }

    public Userfaultfd userfaultfd() {
        return uffd;
    }

    /** UFFDIO_COPY: copies {@code length} bytes from this process's {@code source} into {@code destination}. */
    public Errno copy(long destination, long source, long length, Modes<CopyMode> modes) {
        checkRange(Ioctl.COPY, destination, length);
        return once(Ioctl.COPY, destination, source, length, modes.bits());
    }

    /** UFFDIO_ZEROPAGE: maps zero pages (anonymous and shmem ranges only). */
    public Errno zeroPage(long destination, long length, Modes<ZeroPageMode> modes) {
        checkRange(Ioctl.ZEROPAGE, destination, length);
        return once(Ioctl.ZEROPAGE, destination, 0, length, modes.bits());
    }

    /** UFFDIO_MOVE: moves pages from {@code source} to {@code destination}, both in the registered process. */
    public Errno move(long destination, long source, long length, Modes<MoveMode> modes) {
        checkRange(Ioctl.MOVE, destination, length);
        checkMoveSource(destination, source, length);
        return once(Ioctl.MOVE, destination, source, length, modes.bits());
    }

    /** UFFDIO_CONTINUE: maps the pages already in the page cache (ranges registered with MINOR). */
    public Errno continueRange(long start, long length, Modes<ContinueMode> modes) {
        checkRange(Ioctl.CONTINUE, start, length);
        return once(Ioctl.CONTINUE, start, 0, length, modes.bits());
    }

    /** UFFDIO_POISON: the next access to these pages gets SIGBUS (kernel accesses get EFAULT). */
    public Errno poison(long start, long length, Modes<PoisonMode> modes) {
        checkRange(Ioctl.POISON, start, length);
        arg.set(JAVA_LONG, 0, start);
        arg.set(JAVA_LONG, 8, length);
        arg.set(JAVA_LONG, 16, modes.bits());
        arg.set(JAVA_LONG, Abi.POISON_OUT, UNWRITTEN);
        return call(Ioctl.POISON, Abi.UFFDIO_POISON, Abi.POISON_OUT, start, length);
    }

    /** UFFDIO_WRITEPROTECT: protects ({@link WriteProtectMode#WP}) or unprotects the range. */
    public Errno writeProtect(long start, long length, Modes<WriteProtectMode> modes) {
        checkRange(Ioctl.WRITEPROTECT, start, length);
        if (modes.contains(WriteProtectMode.WP) && modes.contains(WriteProtectMode.DONTWAKE)) {
            throw new RangeArgumentException(Ioctl.WRITEPROTECT.kernelName(), start, length,
                    "UFFDIO_WRITEPROTECT refused for start 0x" + Long.toHexString(start) + ", length " + length
                    + ": WP and DONTWAKE together are invalid (DONTWAKE applies only to unprotecting)");
        }
        arg.set(JAVA_LONG, 0, start);
        arg.set(JAVA_LONG, 8, length);
        arg.set(JAVA_LONG, 16, modes.bits());
        return call(Ioctl.WRITEPROTECT, Abi.UFFDIO_WRITEPROTECT, -1, start, length);
    }

    /** UFFDIO_WAKE: wakes threads waiting on faults in the range (after DONTWAKE resolutions). */
    public Errno wake(long start, long length) {
        checkRange(Ioctl.WAKE, start, length);
        arg.set(JAVA_LONG, 0, start);
        arg.set(JAVA_LONG, 8, length);
        return call(Ioctl.WAKE, Abi.UFFDIO_WAKE, -1, start, length);
    }

    // ---- whole ranges: the one partial-progress loop ---------------------------------------------

    /**
     * Hears the progress of a whole-range resolution ({@link #copyAll}, {@link #zeroPageAll},
     * {@link #moveAll}, {@link #continueAll}), on the resolving thread. Offsets are relative to the
     * range's start. Implementations are usually fields of the component (no allocation per call).
     */
    public interface RangeProgress {
        /** Returned by {@link #failed}: end the loop with that error. */
        long STOP = -1;

        /** The page size of the range (the step over a page that is there already). */
        long pageSize();

        /** [offset, offset + bytes) was installed by this call. */
        void installed(long offset, long bytes);

        /** The page at {@code offset} was there already (EEXIST); the loop steps over it. */
        default void present(long offset) {}

        /**
         * Any other error at {@code offset} with nothing done: the bytes to step over (whole pages) to go
         * on, 0 to try the same offset again (after removing the cause; the listener must not return 0
         * forever), or {@link #STOP} to end with this error.
         */
        default long failed(Errno error, long offset) {
            return STOP;
        }
    }

    /**
     * UFFDIO_COPY of the whole range, however many calls it takes: partial progress goes on from the
     * bytes done, a page already there (EEXIST) is stepped over, EAGAIN without progress is retried up
     * to {@code maxStalls} times with a spin-then-yield back-off (0: return EAGAIN at once, as a fault
     * handler must, so that its loop reads the pending event). Returns {@link Errno#NONE} when the whole
     * range is done, else the error that ended it ({@link #failure()} describes that call).
     */
    public Errno copyAll(long destination, long source, long length, Modes<CopyMode> modes, RangeProgress progress,
                         int maxStalls) {
        return whole(Ioctl.COPY, destination, source, length, modes.bits(), progress, maxStalls);
    }

    /** UFFDIO_ZEROPAGE of the whole range, as {@link #copyAll} does it. */
    public Errno zeroPageAll(long destination, long length, Modes<ZeroPageMode> modes, RangeProgress progress, int maxStalls) {
        return whole(Ioctl.ZEROPAGE, destination, 0, length, modes.bits(), progress, maxStalls);
    }

    /** UFFDIO_MOVE of the whole range, as {@link #copyAll} does it. */
    public Errno moveAll(long destination, long source, long length, Modes<MoveMode> modes, RangeProgress progress,
                         int maxStalls) {
        checkMoveSource(destination, source, length);
        return whole(Ioctl.MOVE, destination, source, length, modes.bits(), progress, maxStalls);
    }

    /** UFFDIO_CONTINUE of the whole range, as {@link #copyAll} does it. */
    public Errno continueAll(long start, long length, Modes<ContinueMode> modes, RangeProgress progress, int maxStalls) {
        return whole(Ioctl.CONTINUE, start, 0, length, modes.bits(), progress, maxStalls);
    }

    /** EAGAIN answers without progress that the last whole-range call waited through. */
    public int stalls() {
        return stalls;
    }

    private Errno whole(Ioctl op, long destination, long source, long length, long bits, RangeProgress progress,
                        int maxStalls) {
        checkRange(op, destination, length);
        if (maxStalls < 0) {
            throw new IllegalArgumentException("maxStalls " + maxStalls + " is negative (accepted: 0 or more)");
        }
        stalls = 0;
        long done = 0;
        int stalledInARow = 0;
        while (done < length) {
            Errno e = once(op, destination + done, source + done, length - done, bits);
            long d = e == Errno.NONE ? length - done : lastDone;
            if (d > 0) {
                progress.installed(done, d);
                done += d;
                stalledInARow = 0;
            }
            if (e == Errno.NONE) {
                break;
            }
            if (e == Errno.EEXIST) {
                progress.present(done);
                done += progress.pageSize();
                stalledInARow = 0;
                continue;
            }
            if (e != Errno.EAGAIN) {
                long step = progress.failed(e, done);
                if (step < 0) {
                    return e;
                }
                done += step; // 0: the listener removed the cause, try the same offset again
                continue;
            }
            if (d > 0) {
                continue;
            }
            if (++stalledInARow > maxStalls) {
                return e;
            }
            stalls++;
            if (stalledInARow < 16) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
        lastError = Errno.NONE;
        return Errno.NONE;
    }

    /** One call of an installing ioctl: COPY and MOVE take (dst, src, len, mode), ZEROPAGE and CONTINUE (range, mode). */
    private Errno once(Ioctl op, long destination, long source, long length, long bits) {
        boolean withSource = op == Ioctl.COPY || op == Ioctl.MOVE;
        if (!withSource && op != Ioctl.ZEROPAGE && op != Ioctl.CONTINUE) {
            throw new IllegalArgumentException(op + " is not a range-installing ioctl");
        }
        int k = 0;
        arg.set(JAVA_LONG, k, destination);
        if (withSource) {
            arg.set(JAVA_LONG, k += 8, source);
        }
        arg.set(JAVA_LONG, k += 8, length);
        arg.set(JAVA_LONG, k += 8, bits);
        int out = switch (op) {
            case COPY -> Abi.COPY_OUT;
            case MOVE -> Abi.MOVE_OUT;
            case ZEROPAGE -> Abi.ZEROPAGE_OUT;
            default -> Abi.CONTINUE_OUT;
        };
        arg.set(JAVA_LONG, out, UNWRITTEN);
        long request = switch (op) {
            case COPY -> Abi.UFFDIO_COPY;
            case MOVE -> Abi.UFFDIO_MOVE;
            case ZEROPAGE -> Abi.UFFDIO_ZEROPAGE;
            default -> Abi.UFFDIO_CONTINUE;
        };
        return call(op, request, out, destination, length);
    }

    /** Forgets the last call, so that {@link #lastOperation()} tells whether a new one was made. */
    public void reset() {
        lastOperation = null;
        lastDone = 0;
        lastError = Errno.NONE;
    }

    /** The last ioctl called since {@link #reset()}, or null if none. */
    public Ioctl lastOperation() {
        return lastOperation;
    }

    /** Start of the last call's range. */
    public long lastStart() {
        return lastStart;
    }

    /** Bytes the last call completed. */
    public long bytesDone() {
        return lastDone;
    }

    /** The last call's error ({@link Errno#NONE} if it completed). */
    public Errno lastError() {
        return lastError;
    }

    /** The last call as a {@link Progress} record (allocates). */
    public Progress progress() {
        if (lastOperation == null) {
            throw new IllegalStateException("no ioctl has been called since reset()");
        }
        return new Progress(lastOperation, lastStart, lastLength, lastDone, lastError);
    }

    /** The specific exception for the last call's error (allocates), or null if it completed. */
    public UffdException failure() {
        return progress().exception();
    }

    private void checkMoveSource(long destination, long source, long length) {
        if ((source & pageMask) != 0) {
            throw new RangeArgumentException(Ioctl.MOVE.kernelName(), source, length,
                    "UFFDIO_MOVE refused for source 0x" + Long.toHexString(source) + " (destination 0x"
                    + Long.toHexString(destination) + ", length " + length + "): the source is not page aligned");
        }
    }

    private void checkRange(Ioctl op, long start, long length) {
        if (!validRange(start, length, pageMask)) {
            throw misaligned(op, start, length, pageMask + 1);
        }
    }

    /**
     * Page-aligned start and length, length positive, and the range below 2^63 (no user address is
     * above; a "negative" start would otherwise wrap the address space unnoticed).
     */
    static boolean validRange(long start, long length, long pageMask) {
        return length > 0 && (length & pageMask) == 0 && (start & pageMask) == 0 && start >= 0 && start + length > 0;
    }

    static RangeArgumentException misaligned(Ioctl op, long start, long length, long pageSize) {
        String why;
        if (length == 0) {
            why = "length is zero";
        } else if (length < 0) {
            why = "length " + length + " is negative";
        } else if (start < 0 || start + length < 0) {
            why = "the range is outside user space (it wraps the address space)";
        } else if ((start & (pageSize - 1)) != 0) {
            why = "start 0x" + Long.toHexString(start) + " is not aligned to the page size " + pageSize;
        } else {
            why = "length " + length + " is not a multiple of the page size " + pageSize;
        }
        return new RangeArgumentException(op.kernelName(), start, length, op.kernelName() + " refused for start 0x"
                + Long.toHexString(start) + ", length " + length + ": " + why);
    }

    private Errno call(Ioctl op, long request, int outOffset, long start, long length) {
        int number = fd.acquire(op.kernelName());
        int r;
        try {
            r = Libc.ioctl(errnoState, number, request, argAddress);
        } finally {
            fd.release();
        }
        lastOperation = op;
        lastStart = start;
        lastLength = length;
        if (r >= 0) {
            lastDone = length;
            lastError = Errno.NONE;
            return Errno.NONE;
        }
        long out = outOffset >= 0 ? arg.get(JAVA_LONG, outOffset) : UNWRITTEN;
        lastDone = out > 0 ? out : 0;
        lastError = Errno.of(-r);
        return lastError;
    }
}
