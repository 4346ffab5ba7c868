package io.uffd4j;

import java.util.EnumSet;
import java.util.Set;

/** What kinds of faults a registered range reports. */
public enum RegisterMode {
    /** Faults on pages that are not present. */
    MISSING(1, "4.3"),
    /** Writes to pages write-protected with UFFDIO_WRITEPROTECT. */
    WP(2, "5.7"),
    /** Faults on pages present in the page cache but not mapped (shmem, memfd, hugetlbfs; not anonymous). */
    MINOR(4, "5.13");

    private final long bit;
    private final String since;

    RegisterMode(long bit, String since) {
        this.bit = bit;
        this.since = since;
    }

    public String since() {
        return since;
    }

    static long toBits(Set<RegisterMode> modes) {
        long b = 0;
        for (RegisterMode m : modes) {
            b |= m.bit;
        }
        return b;
    }

    static Set<RegisterMode> fromBits(long bits) {
        EnumSet<RegisterMode> s = EnumSet.noneOf(RegisterMode.class);
        for (RegisterMode m : values()) {
            if ((bits & m.bit) != 0) {
                s.add(m);
            }
        }
        return s;
    }
}
