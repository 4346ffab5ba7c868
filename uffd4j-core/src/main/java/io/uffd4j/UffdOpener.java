package io.uffd4j;

import io.uffd4j.error.Errno;
import io.uffd4j.error.PermissionDeniedException;
import io.uffd4j.error.UffdException;
import io.uffd4j.internal.ffm.Abi;
import io.uffd4j.internal.ffm.Arch;
import io.uffd4j.internal.ffm.Libc;
import io.uffd4j.internal.ffm.NativeMemory;

import java.lang.foreign.Arena;

/** Creates raw userfaultfd descriptors by system call or through /dev/userfaultfd. */
final class UffdOpener {
    private UffdOpener() {}

    static final String DEVICE_PATH = "/dev/userfaultfd";

    /** A created descriptor and the method that produced it. */
    record Opened(int fd, CreationMethod method) {}

    static Opened open(CreationMethod method, int flags) {
        return switch (method) {
            case SYSCALL -> new Opened(check(bySyscall(flags), CreationMethod.SYSCALL, flags), CreationMethod.SYSCALL);
            case DEVICE -> new Opened(check(byDevice(flags), CreationMethod.DEVICE, flags), CreationMethod.DEVICE);
            case AUTO -> {
                int fd = bySyscall(flags);
                if (fd >= 0) {
                    yield new Opened(fd, CreationMethod.SYSCALL);
                }
                int dev = byDevice(flags);
                if (dev >= 0) {
                    yield new Opened(dev, CreationMethod.DEVICE);
                }
                // Report the syscall's refusal: it is the one doctor explains first.
                yield new Opened(check(fd, CreationMethod.SYSCALL, flags), CreationMethod.SYSCALL);
            }
        };
    }

    /** The fd, or -errno. */
    static int bySyscall(int flags) {
        return (int) Libc.syscall(Arch.current().userfaultfdSyscall(), flags);
    }

    /** The fd, or -errno (of open or of the ioctl). */
    static int byDevice(int flags) {
        int dev;
        try (Arena arena = Arena.ofConfined()) {
            dev = Libc.open(NativeMemory.cString(arena, DEVICE_PATH).address(), Abi.O_RDWR | Abi.O_CLOEXEC, 0);
        }
        if (dev < 0) {
            return dev;
        }
        try {
            return Libc.ioctl(dev, Abi.USERFAULTFD_IOC_NEW, flags);
        } finally {
            Libc.close(dev);
        }
    }

    private static int check(int fd, CreationMethod method, int flags) {
        if (fd >= 0) {
            return fd;
        }
        Errno e = Errno.of(-fd);
        String op = method == CreationMethod.SYSCALL ? "userfaultfd(2)" : "USERFAULTFD_IOC_NEW on " + DEVICE_PATH;
        if (e == Errno.EPERM || e == Errno.EACCES) {
            String why = method == CreationMethod.SYSCALL
                    ? ((flags & Abi.UFFD_USER_MODE_ONLY) != 0
                        ? "refused even in user-mode-only mode"
                        : "handling kernel-mode faults needs CAP_SYS_PTRACE or vm.unprivileged_userfaultfd=1; "
                          + "ask for userModeOnly(true), or use /dev/userfaultfd")
                    : "no permission to open " + DEVICE_PATH + " (the device's permissions decide)";
            throw new PermissionDeniedException(op, e, 0, 0,
                    op + " failed: " + e.name() + " (" + why + "); run ./uffd4j doctor for what to change");
        }
        if (e == Errno.ENOENT && method == CreationMethod.DEVICE) {
            throw UffdException.of(op, e, -fd, 0, 0, 0, DEVICE_PATH + " does not exist (Linux 6.1+)");
        }
        if (e == Errno.ENOSYS) {
            throw UffdException.of(op, e, -fd, 0, 0, 0, "this kernel was built without userfaultfd");
        }
        return check(fd, op);
    }

    private static int check(int fd, String op) {
        throw UffdException.of(op, Errno.of(-fd), -fd, 0, 0, 0, null);
    }
}
