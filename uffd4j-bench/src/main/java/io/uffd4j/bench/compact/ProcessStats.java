package io.uffd4j.bench.compact;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident memory and machine load from /proc. */
final class ProcessStats {
    private static final long PAGE = 4096;

    private ProcessStats() {}

    /** Resident set of this process (statm: anonymous, file and shmem pages mapped). */
    static long residentBytes() {
        try {
            String s = Files.readString(Path.of("/proc/self/statm"));
            int a = s.indexOf(' ');
            int b = s.indexOf(' ', a + 1);
            return Long.parseLong(s.substring(a + 1, b)) * PAGE;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One-minute load average. */
    static double load() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException e) {
            return -1;
        }
    }

    /** TLB-shootdown interrupts so far, all CPUs, all processes (/proc/interrupts "TLB"); -1 if unknown. */
    static long tlbShootdowns() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/interrupts"))) {
                String t = l.trim();
                if (t.startsWith("TLB:")) {
                    long sum = 0;
                    for (String f : t.substring(4).trim().split("\\s+")) {
                        if (!f.chars().allMatch(Character::isDigit)) {
                            break;
                        }
                        sum += Long.parseLong(f);
                    }
                    return sum;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not available
        }
        return -1;
    }

    static String kernel() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    static long memTotal() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemTotal:")) {
                    return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return -1;
    }

    /** Samples the resident set every 2 ms until closed; keeps the peak. */
    static final class PeakSampler implements AutoCloseable {
        private volatile boolean stop;
        private volatile long peak;
        private final Thread thread;

        PeakSampler() {
            peak = residentBytes();
            thread = Thread.ofPlatform().daemon().name("rss-sampler").start(() -> {
                while (!stop) {
                    long r = residentBytes();
                    if (r > peak) {
                        peak = r;
                    }
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        long peak() {
            return peak;
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join();
            long r = residentBytes();
            if (r > peak) {
                peak = r;
            }
        }
    }
}
