package io.uffd4j.cli;

import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.PermissionDeniedException;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.UnguardedAccessException;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.GuardedMemory;
import io.uffd4j.serve.LatencySummary;
import io.uffd4j.serve.ServerStats;
import org.HdrHistogram.Histogram;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The demo itself, apart from printing: serves an anonymous region with a {@link FaultServer} of this
 * JVM, reads every page once through {@link GuardedMemory} from several threads (half in order, half in
 * random order), verifies every page, re-reads the region without faults, and checks that raw access
 * is refused while the region is served and allowed again afterwards.
 */
final class DemoRun {
    /** Told what was set up, then how many pages have been read and verified so far. */
    interface Progress {
        void started(Setup setup);

        void advanced(long pagesDone);

        void finished();
    }

    record Config(long size, int readers, int serverThreads, GuardedMemory.Mode mode, long seed) {}

    /** What the demo runs on, known once the descriptor and the server exist. */
    record Setup(long size, long pageSize, long pages, String descriptor, GuardedMemory.Mode mode, int readers,
                 int sequentialReaders, int serverThreads, long seed) {}

    record Result(Setup setup, ServerStats stats, LatencySummary readLatency, long firstTouchNanos, long rereadNanos, long verifiedPages, long wrongPages, String firstWrong,
                  long rereadWrongPages, String refusal, boolean rawAccessAfterClose, int sampledAfterClose) {

        boolean ok() {
            return wrongPages == 0 && rereadWrongPages == 0 && verifiedPages == setup.pages() && stats.handlerFailures() == 0 && stats.gaveUp() == 0
                    && refusal != null && rawAccessAfterClose;
        }
    }

    private static final int SAMPLES_AFTER_CLOSE = 16;

    static Result run(Config config, Progress progress) throws InterruptedException {
        String descriptor;
        Userfaultfd uffd;
        try {
            uffd = Userfaultfd.open();
            descriptor = via(uffd) + ": kernel- and user-mode faults";
        } catch (PermissionDeniedException e) {
            // What an unprivileged user gets without vm.unprivileged_userfaultfd or /dev/userfaultfd access.
            uffd = Userfaultfd.builder().userModeOnly(true).build();
            descriptor = via(uffd) + " with UFFD_USER_MODE_ONLY (no permission for more): user-mode faults only";
        }
        try (Userfaultfd u = uffd; Mapping region = Mapping.anonymous(config.size())) {
            return serve(config, progress, u, descriptor, region);
        }
    }

    private static String via(Userfaultfd uffd) {
        return switch (uffd.creationMethod()) {
            case SYSCALL -> "userfaultfd(2)";
            case DEVICE -> "/dev/userfaultfd";
            case AUTO -> "userfaultfd";
        };
    }

    private static Result serve(Config config, Progress progress, Userfaultfd uffd, String descriptor, Mapping region)
            throws InterruptedException {
        long pageSize = region.pageSize();
        long pages = region.size() / pageSize;
        int readers = (int) Math.min(config.readers(), pages);
        ServerStats stats;
        Histogram latency = new Histogram(3);
        long firstTouch, reread, rereadWrong;
        String refusal = null;
        Reader[] team = new Reader[readers];
        GuardedMemory.Mode mode;
        Setup setup;
        try (FaultServer server = FaultServer.builder(uffd)
                .serve(region, EnumSet.of(RegisterMode.MISSING), config.mode())
                .threads(config.serverThreads())
                .handler(new PatternHandler(pageSize))
                .start()) {
            GuardedMemory memory = server.guarded(region);
            mode = memory.mode();
            AtomicLong done = new AtomicLong();
            CountDownLatch finished = new CountDownLatch(readers);
            for (int i = 0; i < readers; i++) {
                long from = pages * i / readers, to = pages * (i + 1) / readers;
                boolean random = i % 2 == 1;
                team[i] = new Reader(memory, pageSize, from, to, random ? new Random(config.seed() + i) : null, done, finished);
            }
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < readers; i++) {
                threads.add(Thread.ofPlatform().name("uffd4j-demo-reader-" + i).unstarted(team[i]));
            }
            int sequential = 0;
            for (Reader reader : team) {
                sequential += reader.random == null ? 1 : 0;
            }
            setup = new Setup(region.size(), pageSize, pages, descriptor, mode, readers, sequential,
                    config.serverThreads(), config.seed());
            progress.started(setup);
            long t0 = System.nanoTime();
            threads.forEach(Thread::start);
            while (!finished.await(100, TimeUnit.MILLISECONDS)) {
                progress.advanced(done.get());
            }
            firstTouch = System.nanoTime() - t0;
            progress.advanced(done.get());
            progress.finished();
            for (Thread t : threads) {
                t.join();
            }

            // Every page is present now: the same reads cost a copy, no fault.
            long t1 = System.nanoTime();
            rereadWrong = rereadAll(memory, pageSize, pages);
            reread = System.nanoTime() - t1;

            try {
                region.segment();
            } catch (UnguardedAccessException e) {
                refusal = e.getClass().getSimpleName();
            }
            stats = server.stats();
        }

        // The server is closed and the range unregistered: plain segments are safe and allowed again.
        boolean rawAfter = true;
        int sampled = 0;
        MemorySegment raw = region.segment();
        Random r = new Random(config.seed());
        for (int i = 0; i < Math.min(SAMPLES_AFTER_CLOSE, pages); i++) {
            long page = r.nextLong(pages);
            rawAfter &= PagePattern.firstMismatch(raw.asSlice(page * pageSize, pageSize), page) < 0;
            sampled++;
        }

        long verified = 0, wrong = 0;
        String firstWrong = null;
        for (Reader reader : team) {
            latency.add(reader.latency);
            verified += reader.verified;
            wrong += reader.wrong;
            if (firstWrong == null) {
                firstWrong = reader.firstWrong;
            }
        }
        return new Result(setup, stats, LatencySummary.of(latency.getTotalCount(), latency::getValueAtPercentile, latency.getMaxValue(),
                latency.getMean()), firstTouch, reread,
                verified, wrong, firstWrong, rereadWrong, refusal, rawAfter, sampled);
    }

    /** Reads the whole region again in 1 MiB chunks and counts wrong pages. */
    private static long rereadAll(GuardedMemory memory, long pageSize, long pages) {
        long chunk = Math.max(pageSize, Math.min(1 << 20, pages * pageSize));
        long wrong = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(chunk, pageSize);
            for (long offset = 0; offset < pages * pageSize; offset += chunk) {
                long n = Math.min(chunk, pages * pageSize - offset);
                memory.read(offset, buffer.asSlice(0, n));
                for (long p = 0; p < n / pageSize; p++) {
                    if (PagePattern.firstMismatch(buffer.asSlice(p * pageSize, pageSize), offset / pageSize + p) >= 0) {
                        wrong++;
                    }
                }
            }
        }
        return wrong;
    }

    /** Reads pages [from, to) once each, in order or shuffled, verifying each. */
    private static final class Reader implements Runnable {
        final GuardedMemory memory;
        final long pageSize, from, to;
        final Random random;
        final AtomicLong done;
        final CountDownLatch finished;
        final Histogram latency = new Histogram(3);
        long verified, wrong;
        String firstWrong;

        Reader(GuardedMemory memory, long pageSize, long from, long to, Random random, AtomicLong done,
               CountDownLatch finished) {
            this.memory = memory;
            this.pageSize = pageSize;
            this.from = from;
            this.to = to;
            this.random = random;
            this.done = done;
            this.finished = finished;
        }

        @Override
        public void run() {
            try (Arena arena = Arena.ofConfined()) {
                long[] order = new long[(int) (to - from)];
                for (int i = 0; i < order.length; i++) {
                    order[i] = from + i;
                }
                if (random != null) {
                    for (int i = order.length - 1; i > 0; i--) {
                        int j = random.nextInt(i + 1);
                        long t = order[i];
                        order[i] = order[j];
                        order[j] = t;
                    }
                }
                MemorySegment page = arena.allocate(pageSize, pageSize);
                for (long p : order) {
                    long t0 = System.nanoTime();
                    memory.read(p * pageSize, page);
                    latency.recordValue(System.nanoTime() - t0);
                    long bad = PagePattern.firstMismatch(page, p);
                    if (bad >= 0) {
                        wrong++;
                        if (firstWrong == null) {
                            firstWrong = "page " + p + " word " + bad;
                        }
                    }
                    verified++;
                    done.incrementAndGet();
                }
            } catch (Throwable t) {
                if (firstWrong == null) {
                    firstWrong = "reader stopped: " + t;
                }
                wrong++;
            } finally {
                finished.countDown();
            }
        }
    }
}
