package io.uffd4j;

/** How a userfaultfd is created. */
public enum CreationMethod {
    /** The userfaultfd(2) system call; governed by vm.unprivileged_userfaultfd and CAP_SYS_PTRACE. */
    SYSCALL,
    /** {@code /dev/userfaultfd} and USERFAULTFD_IOC_NEW (Linux 6.1); governed by the device's permissions. */
    DEVICE,
    /** The system call, falling back to the device (and the other way round) when one is refused. */
    AUTO
}
