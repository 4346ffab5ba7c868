package io.uffd4j.serve;

import io.uffd4j.Userfaultfd;
import io.uffd4j.error.ClosedException;
import io.uffd4j.error.Errno;
import io.uffd4j.error.PageUnavailableException;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.ffm.Libc;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.Memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Access to a mapping served by a {@link FaultServer} of this JVM that is safe at any safepoint: every
 * byte of the mapping is touched inside a native call, so a thread that faults is "in native" and the
 * JVM can stop the world without waiting for it (docs/safepoints.md).
 *
 * <p>Two modes:
 * <ul>
 *   <li>{@link Mode#CHECKED}: the kernel copies (process_vm_readv/writev on this process). A page the
 *       server gave up on (poisoned) makes the access throw {@link PageUnavailableException} instead of
 *       waiting or crashing. Needs a userfaultfd that handles kernel-mode faults (not user-mode-only).</li>
 *   <li>{@link Mode#DIRECT}: libc memcpy/memset. Fastest, and the only mode for user-mode-only
 *       descriptors; a fault that can never be served stalls the access (the server keeps retrying
 *       and reports every failure).</li>
 * </ul>
 * Thread-safe. Accesses are not atomic with respect to each other (like plain memory).
 */
public final class GuardedMemory {
    /** How the accessor reaches memory. */
    public enum Mode { CHECKED, DIRECT }

    private static final int BOUNCE = 64 * 1024;
    private static final int PID = Libc.getpid();
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** Per-thread native buffers: an iovec pair, a word, and a bounce buffer for heap arrays. */
    private static final class Scratch {
        final MemorySegment iov;
        final MemorySegment word;
        final MemorySegment bounce;

        Scratch() {
            Arena arena = Arena.ofAuto();
            iov = arena.allocate(32, 8);
            word = arena.allocate(8, 8);
            bounce = arena.allocate(BOUNCE, 64);
        }
    }

    private final Mapping mapping;
    private final long base;
    private final long size;
    private final Mode mode;
    private final Userfaultfd uffd;
    private final LongAdder inFlight = new LongAdder();
    private volatile boolean closing;
    private volatile boolean unregistered;

    GuardedMemory(Mapping mapping, Mode mode, Userfaultfd uffd) {
        this.uffd = uffd;
        this.mapping = mapping;
        this.base = mapping.address();
        this.size = mapping.size();
        this.mode = mode;
    }

    public Mapping mapping() {
        return mapping;
    }

    public long size() {
        return size;
    }

    public Mode mode() {
        return mode;
    }

    // ---- bulk ------------------------------------------------------------------------------------

    /** Copies {@code dst.byteSize()} bytes from {@code offset} into {@code dst} (native or heap). */
    public void read(long offset, MemorySegment dst) {
        long len = dst.byteSize();
        check("guarded read", offset, len);
        enter();
        try {
            if (dst.isNative()) {
                readNative(base + offset, dst.address(), len);
            } else {
                MemorySegment bounce = SCRATCH.get().bounce;
                for (long done = 0; done < len; done += BOUNCE) {
                    long n = Math.min(BOUNCE, len - done);
                    readNative(base + offset + done, bounce.address(), n);
                    MemorySegment.copy(bounce, 0, dst, done, n);
                }
            }
        } finally {
            exit();
        }
    }

    /** Copies {@code src} (native or heap) to {@code offset}. */
    public void write(long offset, MemorySegment src) {
        long len = src.byteSize();
        check("guarded write", offset, len);
        enter();
        try {
            if (src.isNative()) {
                writeNative(base + offset, src.address(), len);
            } else {
                MemorySegment bounce = SCRATCH.get().bounce;
                for (long done = 0; done < len; done += BOUNCE) {
                    long n = Math.min(BOUNCE, len - done);
                    MemorySegment.copy(src, done, bounce, 0, n);
                    writeNative(base + offset + done, bounce.address(), n);
                }
            }
        } finally {
            exit();
        }
    }

    public void read(long offset, byte[] dst, int from, int length) {
        Objects.checkFromIndexSize(from, length, dst.length);
        read(offset, MemorySegment.ofArray(dst).asSlice(from, length));
    }

    public void write(long offset, byte[] src, int from, int length) {
        Objects.checkFromIndexSize(from, length, src.length);
        write(offset, MemorySegment.ofArray(src).asSlice(from, length));
    }

    /** Sets {@code length} bytes from {@code offset} to {@code value}. */
    public void fill(long offset, long length, byte value) {
        check("guarded fill", offset, length);
        enter();
        try {
            if (mode == Mode.DIRECT) {
                Libc.memset(base + offset, value, length);
                return;
            }
            MemorySegment bounce = SCRATCH.get().bounce;
            bounce.fill(value);
            for (long done = 0; done < length; done += BOUNCE) {
                writeNative(base + offset + done, bounce.address(), Math.min(BOUNCE, length - done));
            }
        } finally {
            exit();
        }
    }

    // ---- single values (native byte order) -------------------------------------------------------

    public byte getByte(long offset) {
        return readWord(offset, 1).get(JAVA_BYTE, 0);
    }

    public int getInt(long offset) {
        return readWord(offset, 4).get(JAVA_INT, 0);
    }

    public long getLong(long offset) {
        return readWord(offset, 8).get(JAVA_LONG, 0);
    }

    public void setByte(long offset, byte value) {
        MemorySegment w = SCRATCH.get().word;
        w.set(JAVA_BYTE, 0, value);
        writeWord(offset, w, 1);
    }

    public void setInt(long offset, int value) {
        MemorySegment w = SCRATCH.get().word;
        w.set(JAVA_INT, 0, value);
        writeWord(offset, w, 4);
    }

    public void setLong(long offset, long value) {
        MemorySegment w = SCRATCH.get().word;
        w.set(JAVA_LONG, 0, value);
        writeWord(offset, w, 8);
    }

    private MemorySegment readWord(long offset, int n) {
        check("guarded read", offset, n);
        MemorySegment w = SCRATCH.get().word;
        enter();
        try {
            readNative(base + offset, w.address(), n);
        } finally {
            exit();
        }
        return w;
    }

    private void writeWord(long offset, MemorySegment w, int n) {
        check("guarded write", offset, n);
        enter();
        try {
            writeNative(base + offset, w.address(), n);
        } finally {
            exit();
        }
    }

    // ---- page management -------------------------------------------------------------------------

    /**
     * Faults [offset, offset + length) in ahead of use with MADV_POPULATE_READ/WRITE. The kernel takes
     * the faults, so this needs a userfaultfd that handles kernel-mode faults.
     */
    public void populate(long offset, long length, boolean forWrite) {
        checkPages("populate", offset, length);
        enter();
        try {
            Memory.madvise(base + offset, length, forWrite ? Advice.POPULATE_WRITE : Advice.POPULATE_READ);
        } finally {
            exit();
        }
    }

    /**
     * Drops the pages (MADV_DONTNEED): the next access faults again and the handler serves the page
     * anew. Also clears poisoned pages so that they can be retried.
     */
    public void discard(long offset, long length) {
        checkPages("discard", offset, length);
        enter();
        try {
            Memory.madvise(base + offset, length, Advice.DONTNEED);
        } finally {
            exit();
        }
    }

    // ---- the two ways to copy --------------------------------------------------------------------

    private void readNative(long from, long to, long len) {
        if (mode == Mode.DIRECT) {
            Libc.memcpy(to, from, len);
            return;
        }
        kernelCopy(false, from, to, len);
    }

    private void writeNative(long to, long from, long len) {
        if (mode == Mode.DIRECT) {
            Libc.memcpy(to, from, len);
            return;
        }
        kernelCopy(true, to, from, len);
    }

    /** process_vm_readv/writev on this process: remote = the served range, local = our buffer. */
    private void kernelCopy(boolean write, long remote, long local, long len) {
        MemorySegment iov = SCRATCH.get().iov;
        long done = 0;
        while (done < len) {
            iov.set(JAVA_LONG, 0, local + done);
            iov.set(JAVA_LONG, 8, len - done);
            iov.set(JAVA_LONG, 16, remote + done);
            iov.set(JAVA_LONG, 24, len - done);
            long r = write
                    ? Libc.processVmWritev(PID, iov.address(), 1, iov.address() + 16, 1)
                    : Libc.processVmReadv(PID, iov.address(), 1, iov.address() + 16, 1);
            if (r > 0) {
                done += r;
                continue;
            }
            Errno e = r == 0 ? Errno.EFAULT : Errno.of((int) -r);
            if (e == Errno.EINTR || e == Errno.EAGAIN) {
                continue;
            }
            long at = remote + done;
            String op = write ? "guarded write" : "guarded read";
            if (e == Errno.EFAULT || e == Errno.EHWPOISON) {
                throw new PageUnavailableException(op, at, len - done, done, op + " of " + mapping
                        + " failed at 0x" + Long.toHexString(at) + " (offset " + (at - base)
                        + "): the page could not be served (its handler gave up and the page is poisoned;"
                        + " discard() it to retry)");
            }
            throw UffdException.of(write ? "process_vm_writev" : "process_vm_readv", e, e.code(), at, len - done, done, null);
        }
    }

    // ---- lifecycle -------------------------------------------------------------------------------

    private void check(String op, long offset, long length) {
        if (offset < 0 || length < 0 || length > size - offset) {
            throw new IndexOutOfBoundsException(op + " of [" + offset + ", " + (offset + length) + ") is outside "
                    + mapping + " (" + size + " bytes)");
        }
    }

    private void checkPages(String op, long offset, long length) {
        check(op, offset, length);
        long page = mapping.pageSize();
        if (offset % page != 0 || length % page != 0 || length == 0) {
            throw new IllegalArgumentException(op + " of [" + offset + ", " + (offset + length)
                    + ") refused: it must be whole pages of " + page + " bytes");
        }
    }

    private void enter() {
        inFlight.increment();
        if (closing) {
            inFlight.decrement();
            throw new ClosedException("guarded access", "guarded access refused: the fault server serving " + mapping + " is closed");
        }
        if (!uffd.isOpen()) {
            inFlight.decrement();
            throw userfaultfdClosed("refused");
        }
    }

    /**
     * Closing the userfaultfd drops the registration, and pages never served then read as zeros. The flag
     * is set before the descriptor is released, so an access that could have seen that sees the flag after.
     */
    private ClosedException userfaultfdClosed(String what) {
        return new ClosedException("guarded access", "guarded access " + what + ": the userfaultfd of the fault "
                + "server serving " + mapping + " was closed before the server (close the server first); its "
                + "pages are no longer served");
    }

    private void exit() {
        inFlight.decrement();
        if (unregistered) {
            // The range stopped being served while this access ran: what it saw may not be the served data.
            throw new ClosedException("guarded access", "guarded access failed: the fault server serving " + mapping
                    + " closed during the access; its result was discarded");
        }
        if (!uffd.isOpen()) {
            throw userfaultfdClosed("failed, its result was discarded");
        }
    }

    void beginClose() {
        closing = true;
    }

    boolean awaitIdle(long deadlineNanos) {
        while (inFlight.sum() != 0) {
            if (System.nanoTime() > deadlineNanos) {
                return false;
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        return true;
    }

    void markUnregistered() {
        unregistered = true;
    }

    @Override
    public String toString() {
        return "GuardedMemory[" + mode + ", " + mapping + "]";
    }
}
