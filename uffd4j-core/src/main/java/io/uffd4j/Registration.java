package io.uffd4j;

import java.util.Set;

/**
 * A range registered with a userfaultfd.
 *
 * @param start  first byte
 * @param length bytes
 * @param modes  the fault kinds it reports
 * @param ioctls the resolving ioctls the kernel allows on this range (depends on the mapping type:
 *               hugetlb has no ZEROPAGE or MOVE, WRITEPROTECT needs WP, CONTINUE needs MINOR)
 */
public record Registration(long start, long length, Set<RegisterMode> modes, Set<Ioctl> ioctls) {
    public Registration {
        modes = Set.copyOf(modes);
        ioctls = Set.copyOf(ioctls);
    }

    public boolean supports(Ioctl ioctl) {
        return ioctls.contains(ioctl);
    }

    public long end() {
        return start + length;
    }

    public boolean contains(long address) {
        return address >= start && address - start < length;
    }
}
