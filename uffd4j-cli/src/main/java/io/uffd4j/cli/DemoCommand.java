package io.uffd4j.cli;

import io.uffd4j.cli.options.Refusal;
import io.uffd4j.probe.SystemProbe;
import io.uffd4j.probe.SystemReport;
import io.uffd4j.serve.GuardedMemory;
import io.uffd4j.serve.LatencySummary;
import io.uffd4j.serve.ServerStats;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./uffd4j demo}: userfaultfd at work, served in-process and read through GuardedMemory. */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Serve an anonymous region from this JVM: a FaultServer fills each page with a recognisable "
                + "pattern on its first touch, reader threads read every page through GuardedMemory (in order and "
                + "in random order) and verify it. Prints faults, service times and throughput.",
                "Exit code 0 when every page was right, 1 otherwise."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** The demo's parts keep their data in this JVM (the compaction story also on its heap). */
    static final int MAX_PART_MIB = 16384;
    static final int MAX_COMPACT_MIB = 1024;

    @Option(names = "--size", defaultValue = "64M", converter = ByteSize.class, paramLabel = "BYTES",
            description = "Region size, 4K to 16G in whole 4 KiB pages, with K, M or G suffix (default: ${DEFAULT-VALUE}).")
    long size;

    @Option(names = "--readers", defaultValue = "4", paramLabel = "N",
            description = "Reader threads, 1 to 256; odd-numbered ones read in random order (default: ${DEFAULT-VALUE}).")
    int readers;

    @Option(names = "--server-threads", defaultValue = "1", paramLabel = "N",
            description = "Fault-handler threads, 1 to 64 (default: ${DEFAULT-VALUE}).")
    int serverThreads;

    @Option(names = "--mode", paramLabel = "MODE",
            description = "GuardedMemory mode: ${COMPLETION-CANDIDATES} (default: CHECKED, or DIRECT on a user-mode-only descriptor).")
    GuardedMemory.Mode mode;

    @Option(names = "--seed", paramLabel = "SEED", description = "Seed of the random read order, a whole number (default: random).")
    Long seed;

    @Option(names = "--lazy-mib", defaultValue = "256", paramLabel = "MIB",
            description = "Size of the lazily restored image in MiB, 0 to 16384; 0 skips that part. The image is "
                    + "written to the temporary directory, which needs that much free space (default: ${DEFAULT-VALUE}).")
    int lazyMegabytes;

    @Option(names = "--snapshot-mib", defaultValue = "128", paramLabel = "MIB",
            description = "Size of the region snapshotted live in MiB, 0 to 16384; 0 skips that part. Its two images "
                    + "go to the temporary directory, which needs twice that much free space (default: ${DEFAULT-VALUE}).")
    int snapshotMegabytes;

    @Option(names = "--compact-mib", defaultValue = "128", paramLabel = "MIB",
            description = "Size of the store compacted with UFFDIO_MOVE while threads read it, in MiB, 0 to 1024 "
                    + "(default ${DEFAULT-VALUE}; 0 skips it).")
    int compactMegabytes;

    @Mixin
    ColorOption color = new ColorOption();

    @Override
    public Integer call() throws InterruptedException {
        Path temporary = Path.of(System.getProperty("java.io.tmpdir"));
        Refusal.of(spec)
                .range("--readers", readers, 1, 256)
                .range("--server-threads", serverThreads, 1, 64)
                .range("--lazy-mib", lazyMegabytes, 0, MAX_PART_MIB, "MiB")
                .range("--snapshot-mib", snapshotMegabytes, 0, MAX_PART_MIB, "MiB")
                .range("--compact-mib", compactMegabytes, 0, MAX_COMPACT_MIB, "MiB")
                .freeSpace("--lazy-mib", lazyMegabytes, temporary, (long) lazyMegabytes << 20)
                .freeSpace("--snapshot-mib", snapshotMegabytes, temporary, 2L * snapshotMegabytes << 20);
        PrintWriter out = spec.commandLine().getOut();
        Terminal terminal = color.terminal();
        Printer p = new Printer(out, terminal);

        SystemReport report = SystemProbe.report();
        new DoctorPrinter(p).summary(report);
        p.blank();
        if (report.failsHere()) {
            p.tagged("FAIL", Printer.Color.RED, "uffd4j cannot run here; ./uffd4j doctor says what to change.");
            p.flush();
            return failed("uffd4j cannot run here (./uffd4j doctor says what to change)");
        }

        long s = seed != null ? seed : System.nanoTime();
        p.heading("Demo: serve " + DoctorPrinter.bytes(size) + " of anonymous memory from this JVM, read it through GuardedMemory");
        p.flush();
        DemoRun.Result r = DemoRun.run(new DemoRun.Config(size, readers, serverThreads, mode, s),
                new Progress(p, terminal.interactive()));
        print(p, r);
        p.flush();
        if (!r.ok()) {
            return failed("the in-process demo read wrong pages (see above)");
        }
        if (lazyMegabytes > 0) {
            p.blank();
            p.heading("Demo: restore a " + lazyMegabytes + " MiB image lazily: an out-of-process pager fills the pages on first touch");
            p.flush();
            boolean ok;
            try {
                ok = io.uffd4j.cli.pager.LazyRestoreDemo.run(new java.io.PrintStream(new WriterOutputStream(out), true), lazyMegabytes);
            } catch (java.io.IOException e) {
                p.tagged("FAIL", Printer.Color.RED, "lazy restore: " + e.getMessage());
                ok = false;
            }
            p.flush();
            if (!ok) {
                return failed("the lazy restore did not match its image (see above)");
            }
        }
        if (snapshotMegabytes > 0) {
            p.blank();
            p.heading("Demo: live snapshot of " + snapshotMegabytes + " MiB while 4 threads keep writing it, restored lazily in a new JVM");
            p.flush();
            boolean ok;
            try {
                ok = io.uffd4j.cli.snapshot.SnapshotStory.run(new java.io.PrintStream(new WriterOutputStream(out), true),
                        snapshotMegabytes);
            } catch (Exception e) {
                p.tagged("FAIL", Printer.Color.RED, "snapshot story: " + e);
                ok = false;
            }
            p.flush();
            if (!ok) {
                return failed("the live snapshot story failed (see above)");
            }
        }
        if (compactMegabytes > 0) {
            p.blank();
            p.heading("Demo: compact a fragmented " + compactMegabytes + " MiB off-heap store with UFFDIO_MOVE while threads read it");
            p.flush();
            boolean ok;
            try {
                ok = CompactionStory.run(new java.io.PrintStream(new WriterOutputStream(out), true), compactMegabytes);
            } catch (RuntimeException e) {
                p.tagged("FAIL", Printer.Color.RED, "compaction story: " + e);
                ok = false;
            }
            p.flush();
            if (!ok) {
                return failed("the compaction story failed (see above)");
            }
        }
        return Main.OK;
    }

    /** A failed part: its details are on stdout; one line on stderr says which part failed. */
    private int failed(String what) {
        spec.commandLine().getErr().println(spec.qualifiedName() + ": failed: " + what);
        spec.commandLine().getErr().flush();
        return Main.FAILURE;
    }

    /** Bytes written to a PrintWriter (the picocli output), as an OutputStream. */
    private static final class WriterOutputStream extends java.io.OutputStream {
        private final PrintWriter out;

        WriterOutputStream(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void write(int b) {
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            out.write(new String(b, off, len, java.nio.charset.StandardCharsets.UTF_8));
        }

        @Override
        public void flush() {
            out.flush();
        }
    }

    private static void printSetup(Printer p, DemoRun.Setup r) {
        p.field("userfaultfd", r.descriptor() + "; GuardedMemory " + r.mode()
                + (r.mode() == GuardedMemory.Mode.CHECKED ? " (process_vm_readv: the kernel takes the faults)"
                : " (memcpy in a native call: the reader takes the faults)"));
        p.field("region", DoctorPrinter.bytes(r.size()) + " = " + r.pages() + " pages of "
                + DoctorPrinter.bytes(r.pageSize()) + ", " + r.serverThreads() + " handler thread"
                + (r.serverThreads() == 1 ? "" : "s") + " (UFFDIO_COPY of a pattern page)");
        p.field("readers", r.readers() + " thread" + (r.readers() == 1 ? "" : "s") + ", each over its own share: "
                + r.sequentialReaders() + " in order, " + (r.readers() - r.sequentialReaders())
                + " in random order (seed " + r.seed() + ")");
        p.flush();
    }

    private static void print(Printer p, DemoRun.Result r) {
        ServerStats st = r.stats();
        long pages = r.setup().pages();
        long size = r.setup().size();
        p.blank();
        p.heading("What happened");
        boolean dataOk = r.wrongPages() == 0 && r.rereadWrongPages() == 0 && r.verifiedPages() == pages;
        p.status("verified", dataOk ? "ok" : "WRONG", dataOk ? Printer.Color.GREEN : Printer.Color.RED,
                r.verifiedPages() + " of " + pages + " pages on first touch, " + r.wrongPages() + " wrong"
                        + (r.firstWrong() != null ? " (first: " + r.firstWrong() + ")" : "")
                        + "; re-read: " + r.rereadWrongPages() + " wrong");
        p.field("faults", st.missingFaults() + " missing, " + st.writeProtectFaults() + " write-protect, "
                + st.minorFaults() + " minor; " + st.races() + " races, " + st.retries() + " retries, "
                + st.handlerFailures() + " handler failures, " + st.gaveUp() + " given up");
        p.field("service time (handler)", latency(st.serviceTime()));
        p.field("page read (reader)", latency(r.readLatency()) + "  [one page through GuardedMemory, fault included]");
        p.field("first touch", rate(size, r.firstTouchNanos()) + ", "
                + String.format("%,.0f", pages / (r.firstTouchNanos() / 1e9)) + " faults/s");
        p.field("re-read (no faults)", rate(size, r.rereadNanos()) + ", one thread, 1 MiB guarded reads");
        boolean refused = r.refusal() != null;
        p.status("raw access while served", refused ? "refused" : "ALLOWED", refused ? Printer.Color.GREEN : Printer.Color.RED,
                refused ? "Mapping.segment() threw " + r.refusal() + " (a fault taken from Java code could deadlock a safepoint)"
                        : "Mapping.segment() did not refuse: the safepoint guard is broken");
        p.status("raw access after close", r.rawAccessAfterClose() ? "allowed" : "WRONG",
                r.rawAccessAfterClose() ? Printer.Color.GREEN : Printer.Color.RED,
                r.sampledAfterClose() + " random pages read with a plain MemorySegment "
                        + (r.rawAccessAfterClose() ? "match" : "do NOT match"));
        p.blank();
        p.tagged(r.ok() ? "OK" : "FAIL", r.ok() ? Printer.Color.GREEN : Printer.Color.RED, r.ok()
                ? "every page arrived through the fault handler with the right contents."
                : "something went wrong; see above.");
    }

    static String latency(LatencySummary l) {
        if (l.count() == 0) {
            return "no samples";
        }
        return String.format("p50 %s, p90 %s, p99 %s, p99.9 %s, max %s (n=%d)", us(l.p50()), us(l.p90()),
                us(l.p99()), us(l.p999()), us(l.max()), l.count());
    }

    private static String us(long nanos) {
        return nanos >= 1_000_000 ? String.format("%.1f ms", nanos / 1e6) : String.format("%.1f us", nanos / 1e3);
    }

    static String rate(long bytes, long nanos) {
        double seconds = Math.max(nanos, 1) / 1e9;
        double perSecond = bytes / seconds;
        String r = perSecond >= (1L << 30) ? String.format("%.2f GiB/s", perSecond / (1L << 30))
                : String.format("%.1f MiB/s", perSecond / (1L << 20));
        return DoctorPrinter.bytes(bytes) + " in " + (nanos >= 1_000_000_000 ? String.format("%.2f s", seconds)
                : String.format("%.1f ms", nanos / 1e6)) + " = " + r;
    }

    /** Prints the setup, then a progress bar on a terminal (on stderr, so that stdout stays clean). */
    private static final class Progress implements DemoRun.Progress {
        private final Printer printer;
        private final boolean interactive;
        private ProgressBar bar;

        Progress(Printer printer, boolean interactive) {
            this.printer = printer;
            this.interactive = interactive;
        }

        @Override
        public void started(DemoRun.Setup setup) {
            printSetup(printer, setup);
            if (interactive) {
                bar = new ProgressBarBuilder().setTaskName("first touch").setInitialMax(setup.pages())
                        .setUnit(" pages", 1).setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(100)
                        .continuousUpdate().build();
            }
        }

        @Override
        public void advanced(long pagesDone) {
            if (bar != null) {
                bar.stepTo(pagesDone);
            }
        }

        @Override
        public void finished() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
