package io.uffd4j.badinput;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's VMAs, from /proc/self/maps. */
final class Vmas {
    private Vmas() {}

    /** Whether [start, start + length) lies inside a single VMA. */
    static boolean withinOne(long start, long length) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int dash = line.indexOf('-');
                long lo = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long hi = Long.parseUnsignedLong(line.substring(dash + 1, line.indexOf(' ')), 16);
                if (lo <= start && start < hi) {
                    return start + length <= hi;
                }
            }
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
