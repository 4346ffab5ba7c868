package io.uffd4j.error;

/**
 * The caller lacks a right the operation needs (EPERM or EACCES): creating a userfaultfd that handles
 * kernel faults without CAP_SYS_PTRACE or vm.unprivileged_userfaultfd=1, opening /dev/userfaultfd
 * without permission, EVENT_FORK without CAP_SYS_PTRACE, or registering a mapping that was never
 * writable. {@code ./uffd4j doctor} says what to change.
 */
public final class PermissionDeniedException extends UffdException {
    public PermissionDeniedException(String operation, Errno errno, long start, long length, String message) {
        super(operation, errno, start, length, 0, message);
    }
}
