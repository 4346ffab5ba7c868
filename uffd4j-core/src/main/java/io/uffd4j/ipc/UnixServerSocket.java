package io.uffd4j.ipc;

import io.uffd4j.error.Errno;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.NativeFd;
import io.uffd4j.internal.ffm.Abi;
import io.uffd4j.internal.ffm.Libc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** A listening AF_UNIX SOCK_SEQPACKET socket bound to a path; {@link #close()} removes the path. */
public final class UnixServerSocket implements AutoCloseable {
    private final NativeFd fd;
    private final Path path;

    private UnixServerSocket(int fd, Path path) {
        this.fd = new NativeFd(fd, "unix server socket " + path);
        this.path = path;
    }

    /** Binds and listens at {@code path}, replacing a stale socket file left by a dead process. */
    public static UnixServerSocket bind(Path path) {
        try {
            if (Files.exists(path) && !Files.isDirectory(path)) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw UffdException.of("unlink", Errno.EACCES.code(), "removing stale socket " + path + ": " + e.getMessage());
        }
        int s = Libc.socket(Abi.AF_UNIX, Abi.SOCK_SEQPACKET | Abi.SOCK_CLOEXEC, 0);
        if (s < 0) {
            throw UffdException.of("socket", -s, null);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = UnixSocket.sockaddr(arena, path);
            int r = Libc.bind(s, addr.address(), (int) addr.byteSize());
            if (r < 0) {
                Libc.close(s);
                throw UffdException.of("bind", -r, path.toString());
            }
            r = Libc.listen(s, 64);
            if (r < 0) {
                Libc.close(s);
                throw UffdException.of("listen", -r, path.toString());
            }
        }
        return new UnixServerSocket(s, path);
    }

    public Path path() {
        return path;
    }

    /** Waits for a connection at most {@code timeout} (null: forever); empty on timeout. */
    public Optional<UnixSocket> accept(Duration timeout) {
        int number = fd.acquire("accept");
        try {
            if (timeout != null) {
                try (Poller p = new Poller(number)) {
                    if (p.poll((int) Math.min(Integer.MAX_VALUE, timeout.toMillis())) == 0) {
                        return Optional.empty();
                    }
                }
            }
            int c;
            do {
                c = Libc.accept4(number, 0, 0, Abi.SOCK_CLOEXEC);
            } while (c < 0 && Errno.of(-c) == Errno.EINTR);
            if (c < 0) {
                throw UffdException.of("accept4", -c, path.toString());
            }
            return Optional.of(new UnixSocket(c, "unix socket accepted on " + path));
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
    public void close() {
        if (fd.close()) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // best effort: a stale socket file is replaced by the next bind
            }
        }
    }
}
