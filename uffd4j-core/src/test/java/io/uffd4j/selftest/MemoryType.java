package io.uffd4j.selftest;

import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.Memfd;
import io.uffd4j.mm.PageSizes;

/** The memory kinds the kernel selftests run on, as uffd4j mappings. */
public enum MemoryType {
    /** Private anonymous memory. */
    ANON(false),
    /** A shared mapping of a shmem memfd. */
    SHMEM(false),
    /** Private anonymous hugetlb memory (MAP_HUGETLB). */
    HUGETLB_PRIVATE(true),
    /** A shared mapping of a hugetlb memfd. */
    HUGETLB_SHARED(true);

    private final boolean hugetlb;

    MemoryType(boolean hugetlb) {
        this.hugetlb = hugetlb;
    }

    public boolean hugetlb() {
        return hugetlb;
    }

    public long pageSize() {
        return hugetlb ? HugeTlbReservation.PAGE : PageSizes.base();
    }

    /** A mapping of {@code pages} pages of this type; closing it also closes the memfd behind it. */
    public Mapped map(int pages) {
        long size = pages * pageSize();
        return switch (this) {
            case ANON -> new Mapped(Mapping.anonymous(size), null);
            case HUGETLB_PRIVATE -> new Mapped(Mapping.hugetlb(size, pageSize()), null);
            case SHMEM -> {
                Memfd fd = Memfd.create("selftest-shmem", size);
                yield new Mapped(fd.map(), fd);
            }
            case HUGETLB_SHARED -> {
                Memfd fd = Memfd.createHugetlb("selftest-hugetlb", size, pageSize());
                yield new Mapped(fd.map(), fd);
            }
        };
    }

    /** A mapping and the memfd behind it (null for anonymous kinds). */
    public record Mapped(Mapping mapping, Memfd memfd) implements AutoCloseable {
        @Override
        public void close() {
            mapping.close();
            if (memfd != null) {
                memfd.close();
            }
        }
    }
}
