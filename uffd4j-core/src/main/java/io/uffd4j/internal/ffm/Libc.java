package io.uffd4j.internal.ffm;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Every libc function uffd4j calls, declared once as a {@code static final} downcall handle and called
 * with {@code invokeExact}.
 *
 * <p>Conventions, so that callers never see {@code -1} plus a separate errno:
 * <ul>
 *   <li>Each wrapper returns the call's result, or {@code -errno} when the call failed. Errno is
 *       captured by the linker into the calling thread's {@link CallState} buffer.</li>
 *   <li>Pointers are passed as {@code long} addresses (ABI-identical on x86-64 and arm64). This keeps
 *       the fault path free of MemorySegment allocations; callers pass {@code segment.address()}.</li>
 *   <li>No handle uses {@code Linker.Option.critical}: every call switches the thread to native state,
 *       which is what makes a page fault taken inside {@code memcpy} safe for a JVM that serves its own
 *       faults (see docs/safepoints.md).</li>
 * </ul>
 */
public final class Libc {
    private Libc() {}

    private static final Linker LINKER = Linker.nativeLinker();
    static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    static MethodHandle bind(String name, FunctionDescriptor fd, Linker.Option... options) {
        MemorySegment symbol = LIBC.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
        return LINKER.downcallHandle(symbol, fd, options);
    }

    static MethodHandle bindErrno(String name, FunctionDescriptor fd) {
        return bind(name, fd, ERRNO);
    }

    static MethodHandle bindVariadicErrno(String name, FunctionDescriptor fd, int firstVariadic) {
        return bind(name, fd, Linker.Option.firstVariadicArg(firstVariadic), ERRNO);
    }

    // ---- handles ---------------------------------------------------------------------------------

    private static final MethodHandle SYSCALL1 = bindVariadicErrno("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG), 1);
    private static final MethodHandle IOCTL_PTR = bindVariadicErrno("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), 2);
    private static final MethodHandle OPEN = bindVariadicErrno("open",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT), 2);
    private static final MethodHandle CLOSE = bindErrno("close",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle READ = bindErrno("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle WRITE = bindErrno("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PREAD = bindErrno("pread",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PWRITE = bindErrno("pwrite",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle FCNTL = bindVariadicErrno("fcntl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG), 2);
    private static final MethodHandle MMAP = bindErrno("mmap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = bindErrno("munmap",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MREMAP = bindVariadicErrno("mremap",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG), 4);
    private static final MethodHandle MADVISE = bindErrno("madvise",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MPROTECT = bindErrno("mprotect",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MEMFD_CREATE = bindErrno("memfd_create",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle FTRUNCATE = bindErrno("ftruncate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle FALLOCATE = bindErrno("fallocate",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle EVENTFD = bindErrno("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle POLL = bindErrno("poll",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SOCKET = bindErrno("socket",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SOCKETPAIR = bindErrno("socketpair",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle BIND = bindErrno("bind",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle LISTEN = bindErrno("listen",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACCEPT4 = bindErrno("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle CONNECT = bindErrno("connect",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SHUTDOWN = bindErrno("shutdown",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = bindErrno("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle SENDMSG = bindErrno("sendmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle RECVMSG = bindErrno("recvmsg",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle PROCESS_VM_READV = bindErrno("process_vm_readv",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle PROCESS_VM_WRITEV = bindErrno("process_vm_writev",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MEMCPY = bind("memcpy",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MEMSET = bind("memset",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
    private static final MethodHandle GETPID = bind("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPAGESIZE = bind("getpagesize", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle KILL = bindErrno("kill",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MINCORE = bindErrno("mincore",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));

    // ---- wrappers --------------------------------------------------------------------------------

    static long result(long r, MemorySegment state) {
        return r == -1 ? -CallState.errno(state) : r;
    }

    static AssertionError linkageFailure(Throwable t) {
        return new AssertionError("downcall failed to link: " + t, t);
    }

    /** {@code syscall(nr, a1)}; returns the result or -errno. */
    public static long syscall(long nr, long a1) {
        MemorySegment s = CallState.current();
        try {
            return result((long) SYSCALL1.invokeExact(s, nr, a1), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** {@code ioctl(fd, request, arg)} where arg is a pointer or an integer; returns the result or -errno. */
    public static int ioctl(int fd, long request, long arg) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) IOCTL_PTR.invokeExact(s, fd, request, arg), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** Same as {@link #ioctl(int, long, long)} with an explicit errno buffer (fault loop). */
    public static int ioctl(MemorySegment state, int fd, long request, long arg) {
        try {
            return (int) result((int) IOCTL_PTR.invokeExact(state, fd, request, arg), state);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int open(long path, int flags, int mode) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) OPEN.invokeExact(s, path, flags, mode), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int close(int fd) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) CLOSE.invokeExact(s, fd), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static long read(int fd, long buf, long count) {
        MemorySegment s = CallState.current();
        return read(s, fd, buf, count);
    }

    /** {@code read} with an explicit errno buffer (fault loop). */
    public static long read(MemorySegment state, int fd, long buf, long count) {
        try {
            return result((long) READ.invokeExact(state, fd, buf, count), state);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static long write(int fd, long buf, long count) {
        MemorySegment s = CallState.current();
        try {
            return result((long) WRITE.invokeExact(s, fd, buf, count), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static long pread(int fd, long buf, long count, long offset) {
        MemorySegment s = CallState.current();
        try {
            return result((long) PREAD.invokeExact(s, fd, buf, count, offset), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static long pwrite(int fd, long buf, long count, long offset) {
        MemorySegment s = CallState.current();
        try {
            return result((long) PWRITE.invokeExact(s, fd, buf, count, offset), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int fcntl(int fd, int cmd, long arg) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) FCNTL.invokeExact(s, fd, cmd, arg), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** {@code mmap}; returns the address or -errno (user addresses are positive). */
    public static long mmap(long addr, long length, int prot, int flags, int fd, long offset) {
        MemorySegment s = CallState.current();
        try {
            return result((long) MMAP.invokeExact(s, addr, length, prot, flags, fd, offset), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int munmap(long addr, long length) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) MUNMAP.invokeExact(s, addr, length), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static long mremap(long oldAddr, long oldSize, long newSize, int flags, long newAddr) {
        MemorySegment s = CallState.current();
        try {
            return result((long) MREMAP.invokeExact(s, oldAddr, oldSize, newSize, flags, newAddr), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int madvise(long addr, long length, int advice) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) MADVISE.invokeExact(s, addr, length, advice), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int mprotect(long addr, long length, int prot) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) MPROTECT.invokeExact(s, addr, length, prot), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int memfdCreate(long name, int flags) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) MEMFD_CREATE.invokeExact(s, name, flags), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int ftruncate(int fd, long length) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) FTRUNCATE.invokeExact(s, fd, length), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int fallocate(int fd, int mode, long offset, long length) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) FALLOCATE.invokeExact(s, fd, mode, offset, length), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int eventfd(int initval, int flags) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) EVENTFD.invokeExact(s, initval, flags), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** {@code poll} with an explicit errno buffer (fault loop). */
    public static int poll(MemorySegment state, long fds, long nfds, int timeoutMillis) {
        try {
            return (int) result((int) POLL.invokeExact(state, fds, nfds, timeoutMillis), state);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int socket(int domain, int type, int protocol) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) SOCKET.invokeExact(s, domain, type, protocol), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int socketpair(int domain, int type, int protocol, long sv) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) SOCKETPAIR.invokeExact(s, domain, type, protocol, sv), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int bind(int fd, long addr, int addrLen) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) BIND.invokeExact(s, fd, addr, addrLen), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int listen(int fd, int backlog) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) LISTEN.invokeExact(s, fd, backlog), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int accept4(int fd, long addr, long addrLen, int flags) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) ACCEPT4.invokeExact(s, fd, addr, addrLen, flags), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int connect(int fd, long addr, int addrLen) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) CONNECT.invokeExact(s, fd, addr, addrLen), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int shutdown(int fd, int how) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) SHUTDOWN.invokeExact(s, fd, how), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** getsockopt(2); {@code lengthAddress} points at a socklen_t holding the buffer's size. */
    public static int getsockopt(int fd, int level, int name, long value, long lengthAddress) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) GETSOCKOPT.invokeExact(s, fd, level, name, value, lengthAddress), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static long sendmsg(int fd, long msg, int flags) {
        MemorySegment s = CallState.current();
        try {
            return result((long) SENDMSG.invokeExact(s, fd, msg, flags), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static long recvmsg(int fd, long msg, int flags) {
        MemorySegment s = CallState.current();
        try {
            return result((long) RECVMSG.invokeExact(s, fd, msg, flags), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static long processVmReadv(int pid, long localIov, long localCount, long remoteIov, long remoteCount) {
        MemorySegment s = CallState.current();
        try {
            return result((long) PROCESS_VM_READV.invokeExact(s, pid, localIov, localCount, remoteIov, remoteCount, 0L), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static long processVmWritev(int pid, long localIov, long localCount, long remoteIov, long remoteCount) {
        MemorySegment s = CallState.current();
        try {
            return result((long) PROCESS_VM_WRITEV.invokeExact(s, pid, localIov, localCount, remoteIov, remoteCount, 0L), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /**
     * {@code memcpy} as a native call: the calling thread is in native state for the copy, so a
     * userfault taken here never blocks a safepoint.
     */
    public static void memcpy(long dst, long src, long n) {
        try {
            long ignored = (long) MEMCPY.invokeExact(dst, src, n);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** {@code memset} as a native call (same safepoint property as {@link #memcpy}). */
    public static void memset(long dst, int value, long n) {
        try {
            long ignored = (long) MEMSET.invokeExact(dst, value, n);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int getpid() {
        try {
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int getpagesize() {
        try {
            return (int) GETPAGESIZE.invokeExact();
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    public static int kill(int pid, int signal) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) KILL.invokeExact(s, pid, signal), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }

    /** {@code mincore(addr, length, vec)}: one byte per page, bit 0 set if the page is resident (in the page cache for shared files). */
    public static int mincore(long addr, long length, long vec) {
        MemorySegment s = CallState.current();
        try {
            return (int) result((int) MINCORE.invokeExact(s, addr, length, vec), s);
        } catch (Throwable t) {
            throw linkageFailure(t);
        }
    }
}
