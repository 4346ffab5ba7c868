package io.uffd4j.bench.compact;

import io.uffd4j.compact.CompactingStore;
import io.uffd4j.compact.CycleReport;
import io.uffd4j.compact.StoreConfig;
import io.uffd4j.compact.Strategy;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Runs the compaction benchmark: for each strategy, on identical fragmented stores, one cycle without
 * users (the compaction threads' completion time) and one with users running (their latency outside
 * and during the cycle), several runs in rotating strategy order; medians, ratios and the design goals.
 */
public final class CompactBench {
    /** What to run. */
    public record Options(long regionBytes, double fillShare, int runs, int userThreads, int compactionThreads,
                          long outsideMillis, List<Strategy> strategies, long seed, boolean cReference,
                          long faultSpinMicros, boolean userAssist, PrintStream log) {}

    private final Options o;

    public CompactBench(Options options) {
        this.o = options;
    }

    public BenchReport run() throws Exception {
        String date = ZonedDateTime.now().toString();
        double loadBefore = ProcessStats.load();
        warmUp();
        Map<Strategy, List<BenchReport.Run>> runs = new LinkedHashMap<>();
        for (Strategy s : o.strategies()) {
            runs.put(s, new ArrayList<>());
        }
        BenchWorkloadInfo info = null;
        CReferenceRunner c = o.cReference() ? CReferenceRunner.build(o.log()) : null;
        Map<Strategy, List<Long>> cTimes = new LinkedHashMap<>();
        for (int run = 1; run <= o.runs(); run++) {
            List<Strategy> order = new ArrayList<>(o.strategies());
            java.util.Collections.rotate(order, -(run - 1));
            for (Strategy s : order) {
                Measured quiet = measure(s, run, false, c);
                Measured loaded = o.userThreads() > 0 ? measure(s, run, true, null) : null;
                runs.get(s).add(quiet.run);
                if (loaded != null) {
                    runs.get(s).add(loaded.run);
                }
                info = quiet.info;
                if (quiet.cNanos > 0) {
                    cTimes.computeIfAbsent(s, k -> new ArrayList<>()).add(quiet.cNanos);
                }
            }
        }
        List<BenchReport.StrategyResult> results = new ArrayList<>();
        for (Map.Entry<Strategy, List<BenchReport.Run>> e : runs.entrySet()) {
            results.add(summarize(e.getKey(), e.getValue()));
        }
        BenchReport.CReference reference = null;
        if (c != null) {
            List<BenchReport.CResult> cr = new ArrayList<>();
            for (Map.Entry<Strategy, List<Long>> e : cTimes.entrySet()) {
                long cn = median(e.getValue().stream().mapToLong(Long::longValue).toArray());
                long jn = find(results, e.getKey()).compactionNanos();
                cr.add(new BenchReport.CResult(e.getKey().name(), cn, jn, (double) jn / cn));
            }
            reference = new BenchReport.CReference(c.compiler(), cr, CReferenceRunner.NOTE);
        } else if (o.cReference()) {
            reference = new BenchReport.CReference("unavailable", List.of(), "gcc could not build the reference");
        }
        BenchReport.Machine machine = new BenchReport.Machine(Runtime.getRuntime().availableProcessors(),
                ProcessStats.kernel(), Runtime.version().toString(), loadBefore, ProcessStats.load(),
                ProcessStats.memTotal());
        BenchReport.Settings settings = new BenchReport.Settings(o.regionBytes(), info.filled, info.live, info.records,
                o.userThreads(), o.compactionThreads(), o.faultSpinMicros(), o.userAssist(), o.runs(), o.seed(),
                "records of 16-255 B (70%), 256-2047 B (25%), 2-16 KiB (5%) filled to " + Math.round(o.fillShare() * 100)
                        + "% of the region; 40% of 256 KiB chunks dense (nothing freed), 60% of the records of the other "
                        + "chunks freed; users: read a random live record (1 in 10 also rewritten in place), bursts of 32 "
                        + "then 20 us asleep");
        return new BenchReport(date, machine, settings, results, reference, goals(results));
    }

    private record BenchWorkloadInfo(long filled, long live, int records) {}

    private record Measured(BenchReport.Run run, BenchWorkloadInfo info, long cNanos) {}

    private StoreConfig config(Strategy s, long region) {
        return StoreConfig.builder(region).strategy(s).compactionThreads(o.compactionThreads())
                .maxRecords((int) Math.min(Integer.MAX_VALUE - 8, region / 48))
                .userAssist(o.userAssist())
                .faultWait(o.faultSpinMicros() > 0
                        ? io.uffd4j.serve.WaitStrategy.spinThenBlock(java.time.Duration.ofNanos(o.faultSpinMicros() * 1000))
                        : io.uffd4j.serve.WaitStrategy.block())
                .build();
    }

    /**
     * Runs cycles of every strategy on stores of the measured size (up to 256 MiB) until the code paths
     * of big stores are compiled: otherwise the JIT compiler threads run during the measured cycles,
     * and besides stealing a core they make every UFFDIO_MOVE interrupt their CPU for its TLB flush.
     */
    private void warmUp() throws Exception {
        o.log().println("warming up...");
        long region = Math.min(o.regionBytes(), 256L << 20);
        for (Strategy s : o.strategies()) {
            try (CompactingStore store = CompactingStore.open(config(s, region)); Arena arena = Arena.ofConfined()) {
                for (int i = 0; i < 3; i++) {
                    BenchWorkload w = BenchWorkload.create(store, (long) (region * o.fillShare()), o.seed() + i, arena);
                    if (i == 1 && o.userThreads() > 0) {
                        try (UserLoad users = new UserLoad(store, w, o.userThreads(), o.seed())) {
                            check(store.compact());
                        }
                    } else {
                        check(store.compact());
                    }
                    for (int k = 0; k < w.live.length; k++) {
                        store.free(w.live[k]); // room for the next round
                    }
                    check(store.compact());
                }
            }
        }
        Thread.sleep(500); // let the compiler threads finish what the warm-up queued
    }

    private static void check(CycleReport r) {
        if (!r.completed() || !r.errors().isEmpty()) {
            throw new IllegalStateException("warm-up cycle failed: " + r);
        }
    }

    private Measured measure(Strategy s, int run, boolean underLoad, CReferenceRunner c) throws Exception {
        try (CompactingStore store = CompactingStore.open(config(s, o.regionBytes())); Arena arena = Arena.ofConfined()) {
            BenchWorkload w = BenchWorkload.create(store, (long) (o.regionBytes() * o.fillShare()), o.seed(), arena);
            long cNanos = c != null && (s == Strategy.COPY || s == Strategy.MOVE) ? c.measure(store, s) : 0;
            System.gc();
            Thread.sleep(100);
            long rssBefore = ProcessStats.residentBytes();
            UserLoad users = underLoad ? new UserLoad(store, w, o.userThreads(), o.seed() + run) : null;
            CycleReport r;
            long peak;
            long tlb;
            try {
                if (users != null) {
                    Thread.sleep(o.outsideMillis());
                    users.phase(UserLoad.DURING);
                }
                long tlb0 = ProcessStats.tlbShootdowns();
                try (ProcessStats.PeakSampler sampler = new ProcessStats.PeakSampler()) {
                    r = store.compact();
                    tlb = ProcessStats.tlbShootdowns() - tlb0;
                    if (users != null) {
                        users.phase(UserLoad.AFTER);
                    }
                    sampler.close();
                    peak = sampler.peak();
                }
            } finally {
                if (users != null) {
                    users.close();
                }
            }
            long rssAfter = ProcessStats.residentBytes();
            int wrong = w.verify(store, 7, arena);
            if (wrong != 0 || !r.completed() || !r.errors().isEmpty() || store.handlerFailures() != 0) {
                throw new IllegalStateException(s + ": " + wrong + " wrong records, report " + r);
            }
            BenchReport.Latency outside = users != null ? users.latency(UserLoad.OUTSIDE) : null;
            BenchReport.Latency during = users != null ? users.latency(UserLoad.DURING) : null;
            BenchReport.Run result = new BenchReport.Run(run, underLoad, r.pause().totalNanos(), r.pause().draftNanos(), r.pause().drainNanos(),
                    r.pause().planNanos(), r.pause().flipNanos(), r.pause().serveNanos(), r.pause().commitNanos(), r.timing().compactionNanos(),
                    r.timing().compactorNanos(), r.timing().assembleNanos(), r.timing().installNanos(), r.timing().releaseNanos(), r.timing().totalNanos(), r.layout().toPages(), r.layout().keptPages(),
                    r.pages().recycled(), r.pages().allocated(), r.pages().keptMoved(), r.pages().keptCopied(),
                    r.pages().onFault(), r.pages().byUsers(), r.pages().freshOnFault(), r.layout().fromSpaceBytesRead(), r.pages().moveBusyFallbacks(),
                    r.pages().retries(), r.pages().lostRaces(), r.pages().continueRefaults(), tlb, rssBefore, peak, rssAfter,
                    outside, during);
            o.log().printf("run %d %-14s %-6s compaction %7.1f ms (assemble %.1f install %.1f)  pause %6.2f ms (plan %.2f flip %.2f serve %.2f commit %.2f; draft before it %.1f)  total %7.1f ms  TLB IPIs %d  RSS %5.0f>%5.0f>%5.0f MiB%s%s%n",
                    run, s, underLoad ? "loaded" : "quiet", r.timing().compactionNanos() / 1e6, r.timing().assembleNanos() / 1e6,
                    r.timing().installNanos() / 1e6, r.pause().totalNanos() / 1e6,
                    r.pause().planNanos() / 1e6, r.pause().flipNanos() / 1e6, r.pause().serveNanos() / 1e6, r.pause().commitNanos() / 1e6,
                    r.pause().draftNanos() / 1e6,
                    r.timing().totalNanos() / 1e6, tlb, rssBefore / 1048576.0, peak / 1048576.0, rssAfter / 1048576.0,
                    during == null ? "" : String.format("  p99 %5.1f us outside, %7.1f us during (%d faults, %d pages by users)",
                            outside.p99Nanos() / 1e3, during.p99Nanos() / 1e3, r.pages().onFault() + r.pages().freshOnFault(),
                            r.pages().byUsers()),
                    cNanos > 0 ? String.format("  [C: %.1f ms]", cNanos / 1e6) : "");
            for (io.uffd4j.compact.AdaptiveCase a : r.adaptive()) {
                o.log().printf("      ADAPTIVE %-11s COPY %6d pages at %7.0f ns/page (+%.0f to free later), MOVE %6d pages at %7.0f ns/page%n",
                        a.kind(), a.copyChosen(), a.copyNanosPerPage(), a.copyReleaseNanosPerPage(), a.moveChosen(),
                        a.moveNanosPerPage());
            }
            return new Measured(result, new BenchWorkloadInfo(w.filledBytes, w.liveBytes, w.live.length), cNanos);
        }
    }

    private static BenchReport.StrategyResult summarize(Strategy s, List<BenchReport.Run> runs) {
        List<BenchReport.Run> quiet = runs.stream().filter(r -> !r.underLoad()).toList();
        List<BenchReport.Run> loaded = runs.stream().filter(BenchReport.Run::underLoad).toList();
        return new BenchReport.StrategyResult(s.name(), runs,
                med(quiet, BenchReport.Run::compactionNanos), med(loaded, BenchReport.Run::compactionNanos),
                med(quiet, BenchReport.Run::totalNanos), med(quiet, BenchReport.Run::startPauseNanos),
                med(loaded, BenchReport.Run::startPauseNanos),
                med(loaded, r -> r.outside().p50Nanos()), med(loaded, r -> r.outside().p99Nanos()),
                med(loaded, r -> r.during().p50Nanos()), med(loaded, r -> r.during().p99Nanos()),
                med(loaded, r -> r.during().maxNanos()),
                med(quiet, BenchReport.Run::rssBeforeBytes), med(quiet, BenchReport.Run::rssPeakBytes),
                med(quiet, BenchReport.Run::rssAfterBytes), med(quiet, r -> r.recycled() + r.keptMoved()),
                med(quiet, BenchReport.Run::allocated));
    }

    private static long med(List<BenchReport.Run> runs, ToLongFunction<BenchReport.Run> f) {
        if (runs.isEmpty()) {
            return 0;
        }
        return median(runs.stream().mapToLong(f).toArray());
    }

    static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static BenchReport.StrategyResult find(List<BenchReport.StrategyResult> results, Strategy s) {
        return results.stream().filter(r -> r.strategy().equals(s.name())).findFirst().orElse(null);
    }

    private static List<BenchReport.Goal> goals(List<BenchReport.StrategyResult> results) {
        List<BenchReport.Goal> goals = new ArrayList<>();
        BenchReport.StrategyResult copy = find(results, Strategy.COPY);
        BenchReport.StrategyResult move = find(results, Strategy.MOVE);
        BenchReport.StrategyResult adaptive = find(results, Strategy.ADAPTIVE);
        // Both goals hold with and without users running: the loaded runs are where MOVE pays TLB shootdowns.
        for (boolean loaded : new boolean[] {false, true}) {
            String when = loaded ? "users running" : "no users";
            ToLongFunction<BenchReport.StrategyResult> time = loaded
                    ? BenchReport.StrategyResult::compactionNanosLoaded : BenchReport.StrategyResult::compactionNanos;
            if (copy != null && move != null && time.applyAsLong(copy) > 0) {
                double cut = 1 - (double) time.applyAsLong(move) / time.applyAsLong(copy);
                goals.add(new BenchReport.Goal("MOVE cuts compaction time vs COPY (" + when + ")", ">= 40%",
                        String.format("%.1f%% (%.1f ms vs %.1f ms, medians)", cut * 100,
                                time.applyAsLong(move) / 1e6, time.applyAsLong(copy) / 1e6), cut >= 0.40));
            }
            if (adaptive != null && copy != null && move != null && time.applyAsLong(copy) > 0) {
                long best = Math.min(time.applyAsLong(copy), time.applyAsLong(move));
                double ratio = (double) time.applyAsLong(adaptive) / best;
                goals.add(new BenchReport.Goal("ADAPTIVE vs the better of COPY and MOVE (" + when + ")", "<= 1.05x",
                        String.format("%.3fx (%.1f ms vs %.1f ms, medians)", ratio, time.applyAsLong(adaptive) / 1e6,
                                best / 1e6), ratio <= 1.05));
            }
        }
        for (BenchReport.StrategyResult r : results) {
            if (r.p99OutsideNanos() > 0 && !r.strategy().equals(Strategy.STOP_THE_WORLD.name())) {
                double ratio = (double) r.p99DuringNanos() / r.p99OutsideNanos();
                goals.add(new BenchReport.Goal(r.strategy() + ": user p99 during a cycle vs outside", "<= 2x",
                        String.format("%.2fx (%.1f us vs %.1f us)", ratio, r.p99DuringNanos() / 1e3,
                                r.p99OutsideNanos() / 1e3), ratio <= 2.0));
            }
        }
        return goals;
    }
}
