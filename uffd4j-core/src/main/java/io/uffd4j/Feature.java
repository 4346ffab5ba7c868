package io.uffd4j;

import java.util.EnumSet;
import java.util.Set;

/**
 * The userfaultfd features negotiated with UFFDIO_API, with the kernel version that added each one.
 * Bits above {@link #MOVE} are not in mainline at the time of writing and are reported only as raw
 * unknown bits (see {@link KernelSupport#unknownFeatureBits()}).
 */
public enum Feature {
    PAGEFAULT_FLAG_WP(0, "5.7", "write-protect faults on anonymous memory (register with RegisterMode.WP)"),
    EVENT_FORK(1, "4.11", "FORK events: the registered ranges follow into a forked child (needs CAP_SYS_PTRACE)"),
    EVENT_REMAP(2, "4.11", "REMAP events when a registered range is mremap()ed"),
    EVENT_REMOVE(3, "4.11", "REMOVE events when pages are dropped with madvise(DONTNEED/REMOVE)"),
    MISSING_HUGETLBFS(4, "4.11", "missing faults on hugetlbfs mappings"),
    MISSING_SHMEM(5, "4.11", "missing faults on shared memory (shmem, memfd)"),
    EVENT_UNMAP(6, "4.11", "UNMAP events when a registered range is munmap()ed"),
    SIGBUS(7, "4.14", "missing faults raise SIGBUS instead of queuing a message"),
    THREAD_ID(8, "4.14", "page-fault messages carry the faulting thread's id"),
    MINOR_HUGETLBFS(9, "5.13", "minor faults (page in page cache, not mapped) on hugetlbfs"),
    MINOR_SHMEM(10, "5.14", "minor faults on shmem and memfd"),
    EXACT_ADDRESS(11, "5.18", "page-fault messages carry the exact faulting address, not the page start"),
    WP_HUGETLBFS_SHMEM(12, "5.19", "write-protect faults on hugetlbfs and shmem"),
    WP_UNPOPULATED(13, "6.4", "UFFDIO_WRITEPROTECT also protects never-populated anonymous pages"),
    POISON(14, "6.6", "UFFDIO_POISON: mark pages so the next access gets SIGBUS"),
    WP_ASYNC(15, "6.7", "write-protect faults resolved by the kernel without a message; dirtiness read from pagemap"),
    MOVE(16, "6.8", "UFFDIO_MOVE: move pages between anonymous ranges without copying");

    private final int bit;
    private final String since;
    private final String description;

    Feature(int bit, String since, String description) {
        this.bit = bit;
        this.since = since;
        this.description = description;
    }

    /** Bit number in {@code uffdio_api.features}. */
    public int bit() {
        return bit;
    }

    long mask() {
        return 1L << bit;
    }

    /** The Linux version that added this feature. */
    public String since() {
        return since;
    }

    public String description() {
        return description;
    }

    /** The kernel's name for the flag, e.g. {@code UFFD_FEATURE_MOVE}. */
    public String kernelName() {
        return "UFFD_FEATURE_" + name();
    }

    static long toBits(Set<Feature> features) {
        long bits = 0;
        for (Feature f : features) {
            bits |= f.mask();
        }
        return bits;
    }

    static Set<Feature> fromBits(long bits) {
        EnumSet<Feature> set = EnumSet.noneOf(Feature.class);
        for (Feature f : values()) {
            if ((bits & f.mask()) != 0) {
                set.add(f);
            }
        }
        return set;
    }

    static long knownBits() {
        return (1L << (MOVE.bit + 1)) - 1;
    }
}
