package io.uffd4j.pager;

import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.region.Prefetch;
import io.uffd4j.pager.region.RegionStats;
import io.uffd4j.error.ClosedException;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.testkit.GcStorm;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.uffd4j.pager.Verify.PAGE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Child-JVM workload for {@link PagerLossTest}: readers touch missing pages of a slowly filled lazy
 * region (plain MemorySegment access: faults taken "in Java") while a GC storm runs; once they are
 * under way, the pager's processes named by the first argument are killed (or stopped). Every read must
 * return the right word or throw; the JVM must keep completing collections (the parent's stall detector
 * catches a hang). Prints progress lines and "OK ..." at the end.
 */
public final class PagerLossWorkload {
    /** Which of the pager's processes the run takes away. */
    enum Victim { WORKER, SUPERVISOR, BOTH, STOPPED_SUPERVISOR }

    private static final Duration LOSS_TIMEOUT = Duration.ofMillis(1000);

    public static void main(String[] args) throws Exception {
        Victim victim = Victim.valueOf(args[0]);
        long size = Long.parseLong(args[1]);
        long seed = Long.parseLong(args[2]);
        Backing backing = Backing.valueOf(args[3]);
        long pages = size / PAGE;
        System.out.println("victim=" + victim + " size=" + size + " seed=" + seed + " backing=" + backing);
        AtomicLong right = new AtomicLong();
        AtomicLong threw = new AtomicLong();
        GcStorm gcs = new GcStorm().start();
        Thread progress = Thread.ofPlatform().daemon().start(() -> {
            while (true) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
                System.out.println("progress right=" + right.get() + " threw=" + threw.get() + " gcs=" + gcs.collections());
            }
        });
        Pager pager = Pager.launch(Pager.Options.defaults().withHangTimeout(Duration.ofMillis(1500)).withLossTimeout(LOSS_TIMEOUT));
        long supervisor = pager.supervisorPid();
        long worker = pager.workerPid();
        long guardian = pager.guardianPid();
        System.out.println("supervisor=" + supervisor + " worker=" + worker + " guardian=" + guardian);
        if (worker <= 0 || guardian <= 0) {
            throw new AssertionError("no worker or guardian under the supervisor: " + worker + " " + guardian);
        }
        // Slow enough that most pages are still missing, and faults waiting, when the victim goes.
        SourceSpec src = SourceSpec.generator(seed, size).with("delayMicros", "200");
        // Demand faults only (a background fill reads whole runs at the cost of one delay and would be done at once).
        LazyRegion region = LazyRegion.builder(size).source(src).backing(backing).prefetch(Prefetch.NONE).pager(pager).open();
        MemorySegment m = region.segment();
        List<Throwable> wrong = new CopyOnWriteArrayList<>();
        CountDownLatch underWay = new CountDownLatch(4 * 50);
        List<Thread> readers = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            long tseed = seed * 31 + t;
            readers.add(Thread.ofPlatform().name("reader-" + t).start(() -> {
                Random rnd = new Random(tseed);
                for (int i = 0; i < 1500; i++) {
                    long o = rnd.nextLong(pages) * PAGE + 8L * rnd.nextInt(512);
                    try {
                        long got = m.get(JAVA_LONG, o);
                        if (got != Verify.expected(seed, size, o)) {
                            wrong.add(new AssertionError("wrong word at " + o + ": " + Long.toHexString(got)));
                        }
                        right.incrementAndGet();
                    } catch (InternalError e) {
                        threw.incrementAndGet(); // a page that can no longer be filled fails loudly: allowed
                    }
                    underWay.countDown();
                }
            }));
        }
        underWay.await();
        take(victim, supervisor, worker);
        System.out.println("took away " + victim);
        if (victim != Victim.WORKER) {
            long deadline = System.nanoTime() + LOSS_TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(10);
            while (pager.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            if (pager.isAlive()) {
                throw new AssertionError("the application did not notice the loss of the supervisor");
            }
            if (region.failures().stream().noneMatch(f -> f.offset() == -1)) {
                throw new AssertionError("no region-wide failure reported: " + region.failures());
            }
            expectFailure(() -> region.stats(Duration.ofSeconds(1)), PagerException.class, "stats of a lost pager");
            System.out.println("noticed: " + region.failures());
        } else {
            // A replaced worker answers stats again (requests in flight are resent by the supervisor).
            RegionStats s = region.stats(Duration.ofSeconds(60));
            System.out.println("stats after the worker was killed: " + s);
        }
        for (Thread r : readers) {
            r.join();
        }
        if (!wrong.isEmpty()) {
            throw new AssertionError(wrong.size() + " wrong reads, first: " + wrong.get(0));
        }
        // Every page, once more: right or failing, never wrong, never waiting forever.
        long allRight = 0;
        long allThrew = 0;
        for (long p = 0; p < pages; p++) {
            long o = p * PAGE + 8L * (p % 512);
            try {
                if (m.get(JAVA_LONG, o) != Verify.expected(seed, size, o)) {
                    throw new AssertionError("wrong word at " + o + " in the final pass");
                }
                allRight++;
            } catch (InternalError e) {
                allThrew++;
            }
        }
        region.close();
        expectFailure(() -> region.stats(), ClosedException.class, "stats after close");
        pager.close();
        gcs.close();
        progress.interrupt();
        System.out.println("OK victim=" + victim + " backing=" + backing + " reads right=" + right.get() + " threw=" + threw.get()
                + " final right=" + allRight + " threw=" + allThrew + " gcs=" + gcs.collections() + " guardian=" + guardian);
    }

    private static void take(Victim victim, long supervisor, long worker) throws Exception {
        switch (victim) {
            case WORKER -> kill(worker);
            case SUPERVISOR -> kill(supervisor);
            case BOTH -> {
                // Back to back; the worker may already be exiting on its own once its supervisor is gone.
                kill(supervisor);
                kill(worker);
            }
            case STOPPED_SUPERVISOR -> {
                int rc = new ProcessBuilder("kill", "-STOP", Long.toString(supervisor)).inheritIO().start().waitFor();
                if (rc != 0) {
                    throw new AssertionError("kill -STOP " + supervisor + " exited with " + rc);
                }
            }
        }
    }

    private static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }

    private static void expectFailure(Runnable r, Class<? extends Throwable> type, String what) {
        long t0 = System.nanoTime();
        try {
            r.run();
        } catch (Throwable t) {
            if (!type.isInstance(t)) {
                throw new AssertionError(what + ": expected " + type.getSimpleName() + ", got " + t, t);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (ms > 500) {
                throw new AssertionError(what + " took " + ms + " ms to fail");
            }
            return;
        }
        throw new AssertionError(what + ": expected " + type.getSimpleName() + ", got a result");
    }
}
