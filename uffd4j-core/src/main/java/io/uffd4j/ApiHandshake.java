package io.uffd4j;

import io.uffd4j.internal.ffm.Abi;
import io.uffd4j.internal.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The UFFDIO_API call: negotiates the API version and features, returns what the kernel offers. */
final class ApiHandshake {
    private ApiHandshake() {}

    /** The kernel's answer; {@code errno} is 0 on success. */
    record Result(int errno, long features, long ioctls) {}

    static Result call(int fd, long api, long features) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(Abi.API_SIZE, 8);
            s.set(JAVA_LONG, 0, api);
            s.set(JAVA_LONG, 8, features);
            s.set(JAVA_LONG, 16, 0L);
            int r = Libc.ioctl(fd, Abi.UFFDIO_API, s.address());
            return r < 0 ? new Result(-r, 0, 0) : new Result(0, s.get(JAVA_LONG, 8), s.get(JAVA_LONG, 16));
        }
    }
}
