package io.uffd4j.ipc;

import io.uffd4j.error.Errno;
import io.uffd4j.error.InvalidRequestException;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.NativeFd;
import io.uffd4j.internal.ffm.Abi;
import io.uffd4j.internal.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A connected AF_UNIX SOCK_SEQPACKET socket that carries messages with file descriptors attached
 * (SCM_RIGHTS): the way a userfaultfd reaches a handler in another process.
 *
 * <p>Each message keeps its boundaries. Sending and receiving are each serialized by a lock, so one
 * thread may send while another receives.
 */
public final class UnixSocket implements AutoCloseable {
    /** Most descriptors one message may carry. */
    public static final int MAX_FDS = 16;
    private static final int CMSG_HEADER = 16;
    private static final int CONTROL_SIZE = CMSG_HEADER + 4 * MAX_FDS;

    private final NativeFd fd;
    private final Object sendLock = new Object();
    private final Object receiveLock = new Object();

    UnixSocket(int fd, String what) {
        this.fd = new NativeFd(fd, what);
    }

    /** A connected pair (socketpair). */
    public record Pair(UnixSocket first, UnixSocket second) implements AutoCloseable {
        @Override
        public void close() {
            first.close();
            second.close();
        }
    }

    public static Pair pair() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sv = arena.allocate(8, 4);
            int r = Libc.socketpair(Abi.AF_UNIX, Abi.SOCK_SEQPACKET | Abi.SOCK_CLOEXEC, 0, sv.address());
            if (r < 0) {
                throw UffdException.of("socketpair", -r, null);
            }
            return new Pair(new UnixSocket(sv.get(JAVA_INT, 0), "unix socket"),
                    new UnixSocket(sv.get(JAVA_INT, 4), "unix socket"));
        }
    }

    /** Connects to a listening {@link UnixServerSocket} at {@code path}. */
    public static UnixSocket connect(Path path) {
        int s = Libc.socket(Abi.AF_UNIX, Abi.SOCK_SEQPACKET | Abi.SOCK_CLOEXEC, 0);
        if (s < 0) {
            throw UffdException.of("socket", -s, null);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(arena, path);
            int r = Libc.connect(s, addr.address(), (int) addr.byteSize());
            if (r < 0) {
                Libc.close(s);
                throw UffdException.of("connect", -r, path.toString());
            }
        }
        return new UnixSocket(s, "unix socket to " + path);
    }

    static MemorySegment sockaddr(Arena arena, Path path) {
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length > Abi.SUN_PATH_MAX) {
            throw new IllegalArgumentException("socket path of " + p.length + " bytes refused (accepted: at most "
                    + Abi.SUN_PATH_MAX + " bytes): " + path);
        }
        MemorySegment a = arena.allocate(2 + p.length + 1, 8);
        a.set(JAVA_SHORT, 0, (short) Abi.AF_UNIX);
        MemorySegment.copy(p, 0, a, JAVA_BYTE, 2, p.length);
        return a;
    }

    /** Sends one message with {@code fds} attached (the receiver gets its own copies of them). */
    public void send(byte[] payload, int... fds) {
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException("at most " + MAX_FDS + " descriptors per message");
        }
        synchronized (sendLock) {
            int number = fd.acquire("sendmsg");
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment data = arena.allocate(Math.max(1, payload.length));
                MemorySegment.copy(payload, 0, data, JAVA_BYTE, 0, payload.length);
                MemorySegment iov = arena.allocate(16, 8);
                iov.set(JAVA_LONG, 0, data.address());
                iov.set(JAVA_LONG, 8, payload.length);
                MemorySegment msg = arena.allocate(Abi.MSGHDR_SIZE, 8);
                msg.set(JAVA_LONG, 16, iov.address());
                msg.set(JAVA_LONG, 24, 1L);
                if (fds.length > 0) {
                    int len = CMSG_HEADER + 4 * fds.length;
                    MemorySegment control = arena.allocate((len + 7) & ~7, 8);
                    control.set(JAVA_LONG, 0, len);
                    control.set(JAVA_INT, 8, Abi.SOL_SOCKET);
                    control.set(JAVA_INT, 12, Abi.SCM_RIGHTS);
                    for (int i = 0; i < fds.length; i++) {
                        control.set(JAVA_INT, CMSG_HEADER + 4L * i, fds[i]);
                    }
                    msg.set(JAVA_LONG, 32, control.address());
                    msg.set(JAVA_LONG, 40, control.byteSize());
                }
                for (;;) {
                    long r = Libc.sendmsg(number, msg.address(), Abi.MSG_NOSIGNAL);
                    if (r >= 0) {
                        return;
                    }
                    if (Errno.of((int) -r) != Errno.EINTR) {
                        throw UffdException.of("sendmsg", (int) -r, fd.what());
                    }
                }
            } finally {
                fd.release();
            }
        }
    }

    /** A received message and the descriptors that came with it (the receiver owns them). */
    public record Message(byte[] payload, List<OwnedFd> fds) implements AutoCloseable {
        /** Closes descriptors nobody took. */
        @Override
        public void close() {
            for (OwnedFd f : fds) {
                f.close();
            }
        }
    }

    /** Receives one message of at most {@code maxBytes}; empty when the peer closed the connection. */
    public Optional<Message> receive(int maxBytes) {
        return receive(maxBytes, null);
    }

    /**
     * Receives one message, waiting at most {@code timeout} (null: forever).
     *
     * @throws UffdException with {@link Errno#ETIMEDOUT} when the timeout passes
     */
    public Optional<Message> receive(int maxBytes, Duration timeout) {
        if (maxBytes < 1) {
            // A zero-byte buffer would truncate the message and report it as the peer closing.
            throw new IllegalArgumentException("recvmsg: maxBytes must be at least 1, was " + maxBytes);
        }
        synchronized (receiveLock) {
            int number = fd.acquire("recvmsg");
            try (Arena arena = Arena.ofConfined()) {
                if (timeout != null) {
                    awaitReadable(number, timeout);
                }
                MemorySegment data = arena.allocate(Math.max(1, maxBytes));
                MemorySegment iov = arena.allocate(16, 8);
                iov.set(JAVA_LONG, 0, data.address());
                iov.set(JAVA_LONG, 8, maxBytes);
                MemorySegment control = arena.allocate(CONTROL_SIZE, 8);
                MemorySegment msg = arena.allocate(Abi.MSGHDR_SIZE, 8);
                msg.set(JAVA_LONG, 16, iov.address());
                msg.set(JAVA_LONG, 24, 1L);
                msg.set(JAVA_LONG, 32, control.address());
                msg.set(JAVA_LONG, 40, (long) CONTROL_SIZE);
                long r;
                do {
                    r = Libc.recvmsg(number, msg.address(), Abi.MSG_CMSG_CLOEXEC);
                } while (r < 0 && Errno.of((int) -r) == Errno.EINTR);
                if (r < 0) {
                    throw UffdException.of("recvmsg", (int) -r, fd.what());
                }
                List<OwnedFd> fds = receivedFds(msg, control);
                int flags = msg.get(JAVA_INT, 48);
                if ((flags & Abi.MSG_CTRUNC) != 0) {
                    fds.forEach(OwnedFd::close);
                    throw UffdException.of("recvmsg", Errno.EMSGSIZE.code(), "more than " + MAX_FDS + " descriptors in one message");
                }
                if (r == 0 && fds.isEmpty()) {
                    return Optional.empty();
                }
                byte[] payload = new byte[(int) r];
                MemorySegment.copy(data, JAVA_BYTE, 0, payload, 0, (int) r);
                return Optional.of(new Message(payload, List.copyOf(fds)));
            } finally {
                fd.release();
            }
        }
    }

    private static List<OwnedFd> receivedFds(MemorySegment msg, MemorySegment control) {
        List<OwnedFd> fds = new ArrayList<>();
        long controlLen = msg.get(JAVA_LONG, 40);
        long off = 0;
        while (off + CMSG_HEADER <= controlLen) {
            long len = control.get(JAVA_LONG, off);
            int level = control.get(JAVA_INT, off + 8);
            int type = control.get(JAVA_INT, off + 12);
            if (len < CMSG_HEADER) {
                break;
            }
            if (level == Abi.SOL_SOCKET && type == Abi.SCM_RIGHTS) {
                int n = (int) ((len - CMSG_HEADER) / 4);
                for (int i = 0; i < n; i++) {
                    fds.add(new OwnedFd(control.get(JAVA_INT, off + CMSG_HEADER + 4L * i), "received descriptor"));
                }
            }
            off += (len + 7) & ~7L;
        }
        return fds;
    }

    private void awaitReadable(int number, Duration timeout) {
        long millis = Math.max(0, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Poller p = new Poller(number)) {
            for (;;) {
                if (p.poll((int) millis) > 0) {
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw UffdException.of("recvmsg", Errno.ETIMEDOUT.code(),
                            "no message within " + timeout.toMillis() + " ms on " + fd.what());
                }
                millis = Math.max(1, left / 1_000_000);
            }
        }
    }

    /** The connected peer's process, user and group as the kernel saw them at connect (SO_PEERCRED). */
    public record PeerCredentials(long pid, int uid, int gid) {}

    /** Who is at the other end: lets a server authenticate a peer by process or user. */
    public PeerCredentials peer() {
        int number = fd.acquire("getsockopt(SO_PEERCRED)");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cred = arena.allocate(12, 4); // struct ucred { pid_t; uid_t; gid_t; }
            MemorySegment len = arena.allocate(4, 4);
            len.set(JAVA_INT, 0, 12);
            int r = Libc.getsockopt(number, Abi.SOL_SOCKET, Abi.SO_PEERCRED, cred.address(), len.address());
            if (r < 0) {
                throw UffdException.of("getsockopt(SO_PEERCRED)", Errno.of(-r), -r, 0, 0, 0, null);
            }
            return new PeerCredentials(cred.get(JAVA_INT, 0),
                    cred.get(JAVA_INT, 4), cred.get(JAVA_INT, 8));
        } finally {
            fd.release();
        }
    }

    /** Shuts the connection down in both directions (the peer's receive returns empty). */
    public void shutdown() {
        int number = fd.acquire("shutdown");
        try {
            Libc.shutdown(number, Abi.SHUT_RDWR);
        } finally {
            fd.release();
        }
    }

    public int fd() {
        int n = fd.acquire("fd");
        fd.release();
        return n;
    }

    /** Gives up ownership of the descriptor (e.g. to pass it to a child process). */
    public boolean isOpen() {
        return fd.isOpen();
    }

    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return fd.toString();
    }
}
