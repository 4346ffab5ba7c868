package io.uffd4j.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Test support: the storm of every GC-storm test, a daemon thread that allocates and calls
 * {@code System.gc()} in a loop, so that a safepoint starts during almost every burst of faults.
 * Create it, start it once the code under test is up (under a storm, first-time class loading and
 * method-handle linking crawl, and start-up is not what is tested), close it at the end.
 */
public final class GcStorm implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong collections = new AtomicLong();
    private final Thread thread = Thread.ofPlatform().daemon().name("gc-storm").unstarted(this::run);

    public GcStorm start() {
        thread.start();
        return this;
    }

    /** {@code System.gc()} calls so far. */
    public long collections() {
        return collections.get();
    }

    private void run() {
        List<byte[]> keep = new ArrayList<>();
        while (!stop.get()) {
            for (int i = 0; i < 200; i++) {
                keep.add(new byte[1024 + (i % 7) * 512]);
            }
            if (keep.size() > 2_000) {
                keep.clear();
            }
            System.gc();
            collections.incrementAndGet();
            try {
                // A breath between collections, so that the rest of the JVM gets CPU on a small machine;
                // still hundreds of collections a second.
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops the storm and waits for its thread (if it was started). */
    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        if (thread.isAlive()) {
            thread.join();
        }
    }
}
