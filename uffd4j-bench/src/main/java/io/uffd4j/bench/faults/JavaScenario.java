package io.uffd4j.bench.faults;

import io.uffd4j.Feature;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.Memfd;
import io.uffd4j.serve.FailurePolicy;
import io.uffd4j.serve.FaultHandler;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.GuardedMemory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.EnumSet;

/**
 * The memory, userfaultfd and {@link FaultServer} of one Java configuration, mirroring the C
 * reference's setup: created once, {@link #reset()} before every run makes every page fault again.
 * The served range is reached only through {@link #memory()} (the safepoint rule).
 */
final class JavaScenario implements AutoCloseable {
    private final Operation op;
    private final int pages;
    private final long bytes;
    private final Arena arena = Arena.ofShared();
    private Userfaultfd uffd;
    private Mapping region;
    private Mapping source;
    private Memfd memfd;
    private FaultServer server;
    private GuardedMemory memory;

    private JavaScenario(Operation op, int pages) {
        this.op = op;
        this.pages = pages;
        this.bytes = (long) pages * Pages.SIZE;
    }

    static JavaScenario open(Operation op, int pages, GuardedMemory.Mode mode, Strategy strategy,
                             long spinWindowNanos, boolean userModeOnly) {
        JavaScenario s = new JavaScenario(op, pages);
        try {
            s.setUp(mode, strategy, spinWindowNanos, userModeOnly);
            return s;
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
    }

    private void setUp(GuardedMemory.Mode mode, Strategy strategy, long spinWindowNanos, boolean userModeOnly) {
        FaultHandler handler;
        RegisterMode registerMode;
        Feature feature = null;
        switch (op) {
            case COPY -> {
                region = anonymous();
                MemorySegment page = arena.allocate(Pages.SIZE, Pages.SIZE);
                Pages.fill(page, 0);
                handler = new JavaHandlers.Copy(page);
                registerMode = RegisterMode.MISSING;
            }
            case ZEROPAGE -> {
                region = anonymous();
                handler = new JavaHandlers.ZeroPage();
                registerMode = RegisterMode.MISSING;
            }
            case MOVE -> {
                region = anonymous();
                source = anonymous();
                // UFFDIO_MOVE needs source pages exclusive to this process (EBUSY after a fork shares them).
                source.advise(Advice.DONTFORK);
                handler = new JavaHandlers.Move(source.address());
                registerMode = RegisterMode.MISSING;
                feature = Feature.MOVE;
            }
            case WP -> {
                region = anonymous();
                fillAll(region.segment());
                handler = new JavaHandlers.Unprotect();
                registerMode = RegisterMode.WP;
                feature = Feature.PAGEFAULT_FLAG_WP;
            }
            case CONTINUE -> {
                memfd = Memfd.create("uffd4j-bench", bytes);
                source = memfd.map();
                region = memfd.map();
                fillAll(source.segment()); // the page cache, through the view that is registered nowhere
                handler = new JavaHandlers.Continue();
                registerMode = RegisterMode.MINOR;
                feature = Feature.MINOR_SHMEM;
            }
            case FLOOR -> {
                // Registered WP-only and never protected: every first touch is an ordinary anonymous
                // fault, reached through the same GuardedMemory path as the served configurations.
                region = anonymous();
                handler = new JavaHandlers.Unexpected();
                registerMode = RegisterMode.WP;
            }
            default -> throw new AssertionError(op);
        }
        Userfaultfd.Builder b = Userfaultfd.builder().userModeOnly(userModeOnly);
        if (feature != null) {
            b.features(feature);
        }
        uffd = b.build();
        server = FaultServer.builder(uffd)
                .serve(region, EnumSet.of(registerMode), mode)
                .handler(handler)
                .waitStrategy(strategy.waitStrategy(spinWindowNanos))
                .threads(1)
                .failurePolicy(new FailurePolicy(1, Duration.ZERO, Duration.ofMillis(100), FailurePolicy.GiveUp.KEEP_RETRYING))
                .start();
        memory = server.guarded(region);
    }

    private Mapping anonymous() {
        Mapping m = Mapping.anonymous(bytes);
        m.advise(Advice.NOHUGEPAGE); // 4 KiB faults only, as in the C reference
        return m;
    }

    private void fillAll(MemorySegment s) {
        for (int i = 0; i < pages; i++) {
            Pages.fill(s.asSlice((long) i * Pages.SIZE, Pages.SIZE), i);
        }
    }

    GuardedMemory memory() {
        return memory;
    }

    FaultServer server() {
        return server;
    }

    /** Makes every page of the served range fault again. */
    void reset() {
        switch (op) {
            case COPY, ZEROPAGE, CONTINUE, FLOOR -> memory.discard(0, bytes);
            case MOVE -> {
                memory.discard(0, bytes);
                fillAll(source.segment());
            }
            case WP -> uffd.writeProtect(region.address(), bytes).orThrow();
            default -> throw new AssertionError(op);
        }
    }

    /** Pages among the first {@code count} whose contents differ from what the resolution must give. */
    long verify(int count) {
        if (op == Operation.FLOOR) {
            return 0;
        }
        MemorySegment actual = arena.allocate(Pages.SIZE, Pages.SIZE);
        MemorySegment expected = arena.allocate(Pages.SIZE, Pages.SIZE);
        long bad = 0;
        for (int i = 0; i < count; i++) {
            memory.read((long) i * Pages.SIZE, actual);
            Pages.expected(op, i, expected);
            if (actual.mismatch(expected) != -1) {
                bad++;
            }
        }
        return bad;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        if (uffd != null) {
            uffd.close();
        }
        if (region != null) {
            region.close();
        }
        if (source != null) {
            source.close();
        }
        if (memfd != null) {
            memfd.close();
        }
        arena.close();
    }
}
