package io.uffd4j.mm;

import io.uffd4j.internal.ffm.Libc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;

/** Base and huge page sizes of this machine. */
public final class PageSizes {
    private PageSizes() {}

    private static final long BASE = Libc.getpagesize();
    private static final Path THP = Path.of("/sys/kernel/mm/transparent_hugepage");
    private static final Path HUGETLB = Path.of("/sys/kernel/mm/hugepages");

    /** The base page size (4 KiB on x86-64). */
    public static long base() {
        return BASE;
    }

    /** The PMD size a transparent huge page has, if THP is built in. */
    public static OptionalLong transparentHugePageSize() {
        try {
            return OptionalLong.of(Long.parseLong(Files.readString(THP.resolve("hpage_pmd_size")).trim()));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** THP mode: the bracketed word of /sys/kernel/mm/transparent_hugepage/enabled ("always", "madvise", "never"). */
    public static String transparentHugePageMode() {
        return bracketed(THP.resolve("enabled"));
    }

    static String bracketed(Path p) {
        try {
            String s = Files.readString(p);
            int a = s.indexOf('['), b = s.indexOf(']');
            return a >= 0 && b > a ? s.substring(a + 1, b) : s.trim();
        } catch (IOException e) {
            return "unavailable";
        }
    }

    /** A hugetlb page size with its pool counters. */
    public record HugeTlbPool(long pageSize, long total, long free, long reserved) {}

    /** The hugetlb pools (/sys/kernel/mm/hugepages), smallest page size first. */
    public static List<HugeTlbPool> hugeTlbPools() {
        List<HugeTlbPool> pools = new ArrayList<>();
        if (!Files.isDirectory(HUGETLB)) {
            return pools;
        }
        try (Stream<Path> dirs = Files.list(HUGETLB)) {
            for (Path d : dirs.toList()) {
                String n = d.getFileName().toString();
                if (!n.startsWith("hugepages-") || !n.endsWith("kB")) {
                    continue;
                }
                long size = Long.parseLong(n.substring(10, n.length() - 2)) * 1024;
                pools.add(new HugeTlbPool(size, readLong(d.resolve("nr_hugepages")),
                        readLong(d.resolve("free_hugepages")), readLong(d.resolve("resv_hugepages"))));
            }
        } catch (IOException e) {
            return pools;
        }
        pools.sort((x, y) -> Long.compare(x.pageSize(), y.pageSize()));
        return pools;
    }

    /** Sets the number of persistent huge pages of {@code pageSize} (needs root); returns the number now available. */
    public static long reserveHugeTlbPages(long pageSize, long count) throws IOException {
        Path p = HUGETLB.resolve("hugepages-" + (pageSize / 1024) + "kB").resolve("nr_hugepages");
        Files.writeString(p, Long.toString(count));
        return readLong(p);
    }

    private static long readLong(Path p) {
        try {
            return Long.parseLong(Files.readString(p).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }
}
