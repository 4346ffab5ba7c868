package io.uffd4j.ipc;

import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Another process's memory through process_vm_readv/writev (needs ptrace access to it). The kernel
 * does the copy, so faults on the remote side are taken in kernel mode: a userfaultfd that is not
 * user-mode-only handles them, a user-mode-only one makes them fail with EFAULT.
 *
 * <p>Methods are synchronized; one instance per thread avoids contention.
 */
public final class ProcessMemory implements AutoCloseable {
    private final int pid;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment iov = arena.allocate(32, 8);
    private static final int MAX_IOV = 1024;
    private final MemorySegment iovs = arena.allocate(16L * MAX_IOV, 8);
    private boolean closed;

    private ProcessMemory(int pid) {
        this.pid = pid;
    }

    public static ProcessMemory of(long pid) {
        return new ProcessMemory((int) pid);
    }

    public static ProcessMemory self() {
        return new ProcessMemory(Libc.getpid());
    }

    public int pid() {
        return pid;
    }

    /** Copies {@code length} bytes at {@code remoteAddress} into native memory at {@code localAddress}; returns bytes copied. */
    public synchronized long read(long remoteAddress, long localAddress, long length) {
        ensureOpen("process_vm_readv");
        setIov(localAddress, remoteAddress, length);
        long r = Libc.processVmReadv(pid, iov.address(), 1, iov.address() + 16, 1);
        if (r < 0) {
            throw failure("process_vm_readv", (int) -r, remoteAddress, length);
        }
        return r;
    }

    /** Copies {@code length} bytes from native memory at {@code localAddress} to {@code remoteAddress}; returns bytes copied. */
    public synchronized long write(long remoteAddress, long localAddress, long length) {
        ensureOpen("process_vm_writev");
        setIov(localAddress, remoteAddress, length);
        long r = Libc.processVmWritev(pid, iov.address(), 1, iov.address() + 16, 1);
        if (r < 0) {
            throw failure("process_vm_writev", (int) -r, remoteAddress, length);
        }
        return r;
    }

    /**
     * Copies {@code count} chunks of {@code chunk} bytes from the contiguous remote range at
     * {@code remoteAddress} into the native buffers {@code locals[0..count)} in one call (up to 1024).
     * Returns bytes copied (less than asked if part of the remote range could not be read).
     */
    public synchronized long readScattered(long remoteAddress, MemorySegment[] locals, int count, long chunk) {
        if (count < 1 || count > MAX_IOV) {
            throw new IllegalArgumentException("1.." + MAX_IOV + " buffers per call, got " + count);
        }
        for (int i = 0; i < count; i++) {
            if (!locals[i].isNative() || locals[i].byteSize() < chunk) {
                throw new IllegalArgumentException("buffer " + i + " must be native and hold " + chunk + " bytes");
            }
            iovs.set(JAVA_LONG, 16L * i, locals[i].address());
            iovs.set(JAVA_LONG, 16L * i + 8, chunk);
        }
        iov.set(JAVA_LONG, 16, remoteAddress);
        iov.set(JAVA_LONG, 24, chunk * count);
        long r = Libc.processVmReadv(pid, iovs.address(), count, iov.address() + 16, 1);
        if (r < 0) {
            throw failure("process_vm_readv", (int) -r, remoteAddress, chunk * count);
        }
        return r;
    }

    public long read(long remoteAddress, MemorySegment local) {
        requireNative(local);
        return read(remoteAddress, local.address(), local.byteSize());
    }

    public long write(long remoteAddress, MemorySegment local) {
        requireNative(local);
        return write(remoteAddress, local.address(), local.byteSize());
    }

    private static void requireNative(MemorySegment s) {
        if (!s.isNative()) {
            throw new IllegalArgumentException("the local buffer must be native memory");
        }
    }

    private void setIov(long local, long remote, long length) {
        iov.set(JAVA_LONG, 0, local);
        iov.set(JAVA_LONG, 8, length);
        iov.set(JAVA_LONG, 16, remote);
        iov.set(JAVA_LONG, 24, length);
    }

    private UffdException failure(String op, int errno, long remote, long length) {
        Errno e = Errno.of(errno);
        return UffdException.of(op, e, errno, remote, length, 0, switch (e) {
            case EFAULT -> "part of the remote range is not mapped or could not be faulted in (poisoned, or a user-mode-only userfaultfd)";
            case ESRCH -> "process " + pid + " does not exist";
            case EPERM -> "no ptrace access to process " + pid;
            default -> e.description();
        });
    }

    private void ensureOpen(String op) {
        if (closed) {
            throw new io.uffd4j.error.ClosedException(op, op + " on a closed ProcessMemory of process " + pid);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (!closed) {
                closed = true;
                arena.close();
            }
        }
    }
}
