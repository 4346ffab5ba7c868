package io.uffd4j.bench.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Samples the system's MemAvailable every millisecond on a daemon thread and keeps the lowest value:
 * the peak extra memory of whatever ran meanwhile (page cache that can be reclaimed does not count).
 */
public final class MemorySampler implements AutoCloseable {
    private final long baselineKiB;
    private volatile long minimumKiB;
    private volatile boolean running = true;
    private final Thread thread;

    public MemorySampler() {
        baselineKiB = availableKiB();
        minimumKiB = baselineKiB;
        thread = Thread.ofPlatform().daemon().name("memory-sampler").start(() -> {
            while (running) {
                long a = availableKiB();
                if (a >= 0 && a < minimumKiB) {
                    minimumKiB = a;
                }
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    /** Bytes by which available memory fell below the baseline at its lowest. */
    public long peakExtraBytes() {
        return Math.max(0, (baselineKiB - minimumKiB) * 1024);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
    }

    public static long availableKiB() {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (l.startsWith("MemAvailable:")) {
                    return Long.parseLong(l.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // fall through
        }
        return -1;
    }
}
