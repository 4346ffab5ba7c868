package io.uffd4j;

import io.uffd4j.error.Errno;

import java.util.EnumSet;
import java.util.Set;

/**
 * The userfaultfd ioctls. UFFDIO_API reports which of API, REGISTER and UNREGISTER the descriptor
 * supports; UFFDIO_REGISTER reports which of the others are valid on the registered range.
 * {@link #meaning(Errno)} gives the man page's meaning of each errno for each ioctl.
 */
public enum Ioctl {
    REGISTER(0x00, "4.3"),
    UNREGISTER(0x01, "4.3"),
    WAKE(0x02, "4.3"),
    COPY(0x03, "4.3"),
    ZEROPAGE(0x04, "4.3"),
    MOVE(0x05, "6.8"),
    WRITEPROTECT(0x06, "5.7"),
    CONTINUE(0x07, "5.13"),
    POISON(0x08, "6.6"),
    API(0x3F, "4.3");

    private final int nr;
    private final String since;
    private final String kernelName;

    Ioctl(int nr, String since) {
        this.nr = nr;
        this.since = since;
        this.kernelName = "UFFDIO_" + name(); // built once: Resolver passes it on every call
    }

    /** The ioctl number, which is also its bit in the ioctl sets the kernel returns. */
    public int nr() {
        return nr;
    }

    public String since() {
        return since;
    }

    /** The kernel's name, e.g. {@code UFFDIO_COPY}. */
    public String kernelName() {
        return kernelName;
    }

    static Set<Ioctl> fromBits(long bits) {
        EnumSet<Ioctl> set = EnumSet.noneOf(Ioctl.class);
        for (Ioctl i : values()) {
            if ((bits & (1L << i.nr)) != 0) {
                set.add(i);
            }
        }
        return set;
    }

    /** What {@code errno} means when this ioctl returns it (ioctl_userfaultfd(2), UFFDIO_MOVE uABI). */
    public String meaning(Errno errno) {
        return switch (errno) {
            case EEXIST -> switch (this) {
                case REGISTER -> "the range overlaps a mapping registered in an incompatible way";
                case POISON -> "a page table entry already exists in the range";
                default -> "the destination range is (partly) mapped already: another thread resolved it first";
            };
            case ENOENT -> switch (this) {
                case MOVE -> "the source range has unmapped holes (use ALLOW_SRC_HOLES to count them as moved)";
                case WRITEPROTECT -> "part of the range is not registered for write-protect";
                default -> "the range is not mapped and registered with this userfaultfd, or crosses the end of its mapping";
            };
            case EBUSY -> this == MOVE
                    ? "a source page is not exclusive to the process (shared after fork, KSM, pinned); use MADV_DONTFORK on sources"
                    : "the range is registered with another userfaultfd";
            case ESRCH -> "the process that owns the registered memory has exited";
            case EAGAIN -> "only part of the range was done, or a fork/remap/remove/unmap event is waiting to be read: read events, then retry from the bytes done";
            case EINVAL -> switch (this) {
                case API -> "unsupported API value or feature bits, or UFFDIO_API was already called on this descriptor";
                case REGISTER -> "the range is not page aligned, not inside one compatible mapping, or the mode is not supported for this mapping type";
                case UNREGISTER -> "part of the range is registered with another userfaultfd, or lies in a mapping that does not support userfaultfd";
                case COPY -> "misaligned or zero range, bad mode, or WP mode on a range not registered for write-protect";
                case ZEROPAGE -> "misaligned or zero range, bad mode, or a hugetlb range (which has no zero page)";
                case WRITEPROTECT -> "misaligned range, or WP and DONTWAKE together";
                case MOVE -> "misaligned ranges, a range outside one vma, a mapping that is not private anonymous, or different protections";
                default -> "misaligned or zero range, or an invalid mode";
            };
            case EPERM -> this == API
                    ? "EVENT_FORK needs CAP_SYS_PTRACE"
                    : "the mapping was never writable (VM_MAYWRITE), or the operation is not permitted";
            case ENOMEM -> "the kernel could not allocate memory";
            case EFAULT -> switch (this) {
                case CONTINUE -> "there is no page in the page cache at that offset";
                case COPY -> "the source buffer could not be read";
                default -> "an argument points outside the caller's memory";
            };
            case EINTR -> "interrupted by a fatal signal";
            case ENOTTY -> "this kernel does not know the ioctl (added in Linux " + since + ")";
            default -> errno.description();
        };
    }
}
