package io.uffd4j.pager;

import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.region.Prefetch;
import io.uffd4j.pager.region.RegionStats;
import io.uffd4j.Feature;
import io.uffd4j.KernelSupport;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.ClosedException;
import io.uffd4j.error.PermissionDeniedException;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.Memfd;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.mm.RegionReader;
import io.uffd4j.pager.protocol.Message;
import io.uffd4j.pager.protocol.RegionSpec;
import io.uffd4j.pager.source.SourceSpec;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import io.uffd4j.pager.spi.ExtensionListener;
import io.uffd4j.pager.spi.ExtensionProtocol;
import java.util.function.Consumer;
import java.util.ArrayList;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Memory whose pages are filled on first touch by an out-of-process pager: {@link #segment()} is an
 * ordinary MemorySegment that any thread may read and write with plain Java code.
 *
 * <pre>{@code
 * try (LazyRegion region = LazyRegion.builder(1L << 30).source(SourceSpec.file(image)).prefetch(Prefetch.SEQUENTIAL).open()) {
 *     MemorySegment m = region.segment();
 *     long x = m.get(ValueLayout.JAVA_LONG, 12345 * 8);   // faults, served by the pager
 * }
 * }</pre>
 *
 * <p>Why another process: a thread that touches a missing page from Java code stays "in Java" while the
 * kernel holds it, so a resolver thread in this JVM would deadlock the next safepoint. The pager is a
 * separate JVM, outside this JVM's safepoints, and it is supervised by a third process, so neither its
 * death nor a hang can leave this JVM's threads waiting beyond the configured bound. This JVM keeps its
 * own copy of the userfaultfd, so the registration survives a dead pager and the next one takes over.
 *
 * <p>A page the pager cannot serve with verified content is poisoned: the access throws
 * {@code java.lang.InternalError} and the failure is reported ({@link #failures()}, the log, and the
 * listener). It is never silently served as zeros.
 */
public final class LazyRegion implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LazyRegion.class.getName());
    private static final long HUGE_ALIGNMENT = 2L << 20;

    private final Pager pager;
    private final long id;
    private final long size;
    private final Backing backing;
    private final Mapping mapping;
    private final Userfaultfd uffd;
    private final Userfaultfd tracking;
    private final boolean writeProtectable;
    private final Map<String, List<Subscription<?>>> extensionListeners = new ConcurrentHashMap<>();
    private final SourceSpec source;
    private final Consumer<PageFailure> listener;
    private final List<PageFailure> failures = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> closedByPager = new CompletableFuture<>();
    private final Object statsLock = new Object();
    private CompletableFuture<RegionStats> pendingStats;
    private volatile boolean closed;

    private LazyRegion(Builder b, Pager pager, long id, Mapping mapping, Userfaultfd uffd, Userfaultfd tracking) {
        this.tracking = tracking;
        this.writeProtectable = b.writeProtectable;
        this.pager = pager;
        this.id = id;
        this.size = b.size;
        this.backing = b.backing;
        this.mapping = mapping;
        this.uffd = uffd;
        this.source = b.source;
        this.listener = b.listener;
    }

    /** Largest region a builder accepts: 64 TiB, beyond any address space a process gets (and no overflow when rounding to pages). */
    public static final long MAX_SIZE = 1L << 46;

    public static Builder builder(long size) {
        return new Builder(size);
    }

    /** How to build a region. */
    public static final class Builder {
        private final long size;
        private SourceSpec source = SourceSpec.zeros();
        private Backing backing = Backing.PRIVATE_ANONYMOUS;
        private Prefetch prefetch = Prefetch.NONE;
        private Path recordFirstTouch;
        private Path replayFrom;
        private int attempts = 3;
        private Pager pager;
        private Duration openTimeout = Duration.ofSeconds(60);
        private Consumer<PageFailure> listener = f -> {};
        private boolean writeProtectable;
        private boolean dirtyTracking;

        private Builder(long size) {
            if (size <= 0 || size > MAX_SIZE) {
                throw new IllegalArgumentException("size " + size + " is out of range (accepted: 1 to " + MAX_SIZE
                        + " bytes, rounded up to whole pages)");
            }
            this.size = size;
        }

        /** Where pages come from (default: zeros). */
        public Builder source(SourceSpec source) {
            this.source = Objects.requireNonNull(source);
            return this;
        }

        /** Private anonymous memory (default) or a shared memfd served with CONTINUE. */
        public Builder backing(Backing backing) {
            this.backing = Objects.requireNonNull(backing);
            return this;
        }

        /** Background fill policy (default NONE). {@link Prefetch#REPLAY} needs {@link #replayFrom}. */
        public Builder prefetch(Prefetch prefetch) {
            this.prefetch = Objects.requireNonNull(prefetch);
            return this;
        }

        /** Record the order in which pages are first touched into {@code file} (written at close). */
        public Builder recordFirstTouch(Path file) {
            Objects.requireNonNull(file, "recordFirstTouch file");
            this.recordFirstTouch = file.toAbsolutePath();
            return this;
        }

        /** Prefetch in the order recorded in {@code file}; sets {@link Prefetch#REPLAY}. */
        public Builder replayFrom(Path file) {
            Objects.requireNonNull(file, "replayFrom file");
            this.replayFrom = file.toAbsolutePath();
            this.prefetch = Prefetch.REPLAY;
            return this;
        }

        /** Reads (and verifications) of a page before the pager gives up on it (default 3). */
        public Builder attempts(int n) {
            if (n < 1 || n > 1000) {
                throw new IllegalArgumentException("attempts " + n + " is out of range (accepted: 1 to 1000)");
            }
            this.attempts = n;
            return this;
        }

        /** The pager to use (default: {@link Pager#shared()}). */
        public Builder pager(Pager pager) {
            this.pager = Objects.requireNonNull(pager);
            return this;
        }

        public Builder openTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "openTimeout");
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofDays(1)) > 0) {
                throw new IllegalArgumentException("openTimeout " + timeout + " is out of range (accepted: more than 0, at most 1 day)");
            }
            this.openTimeout = timeout;
            return this;
        }

        /**
         * Registers the region for write-protect faults too (Linux 5.7; WP_UNPOPULATED 6.4), so that pager
         * extensions such as live snapshots can write-protect it. Writes to pages nobody protected cost
         * nothing extra.
         */
        public Builder writeProtectable(boolean on) {
            this.writeProtectable = on;
            return this;
        }

        /**
         * Also opens a second userfaultfd with WP_ASYNC (Linux 6.7) for dirty tracking without fault
         * messages (incremental snapshots). Implies {@link #writeProtectable}.
         */
        public Builder dirtyTracking(boolean on) {
            this.dirtyTracking = on;
            if (on) {
                this.writeProtectable = true;
            }
            return this;
        }

        /** Called (on a pager connection thread) for every page the pager gives up on. */
        public Builder onFailure(Consumer<PageFailure> listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        public LazyRegion open() {
            if (prefetch == Prefetch.REPLAY && replayFrom == null) {
                throw new IllegalArgumentException("Prefetch.REPLAY needs replayFrom(file)");
            }
            return LazyRegion.open(this, pager != null ? pager : Pager.shared());
        }
    }

    private static LazyRegion open(Builder b, Pager pager) {
        long page = PageSizes.base();
        long length = (b.size + page - 1) / page * page;
        boolean shared = b.backing == Backing.SHARED_MEMFD;
        Userfaultfd uffd = openUffd(shared, b.writeProtectable, false);
        Userfaultfd tracking = null;
        Mapping mapping = null;
        Memfd memfd = null;
        Memfd journal = null;
        try {
            RegionSpec spec = new RegionSpec(0, length, page, b.backing, Set.of(), b.source, b.prefetch,
                    b.recordFirstTouch, b.replayFrom, b.attempts, (int) ProcessHandle.current().pid(),
                    b.writeProtectable, b.dirtyTracking);
            if (shared) {
                memfd = Memfd.create("uffd4j-lazy", length);
                journal = Memfd.create("uffd4j-lazy-journal", page);
                mapping = memfd.map();
            } else if (!spec.servesMissing()) {
                // Ordinary memory the application populates itself: whole huge pages where possible.
                mapping = Mapping.anonymous(length, HUGE_ALIGNMENT);
                mapping.advise(Advice.HUGEPAGE);
            } else {
                mapping = Mapping.anonymous(length);
            }
            if (!uffd.has(Feature.EVENT_FORK)) {
                // Without FORK events a child would see the unfilled pages as zeros: keep the region out of children.
                mapping.advise(Advice.DONTFORK);
            }
            uffd.register(mapping.address(), length, spec.registerModes());
            if (b.dirtyTracking) {
                tracking = openUffd(shared, true, true);
            }
            spec = new RegionSpec(mapping.address(), length, page, b.backing,
                    uffd.features(), b.source, b.prefetch,
                    spec.recordFirstTouch(), spec.replayFrom(), b.attempts, spec.applicationPid(), b.writeProtectable,
                    b.dirtyTracking);
            int[] base = shared ? new int[] {uffd.fd(), memfd.fd(), journal.fd()} : new int[] {uffd.fd()};
            int[] fds = tracking == null ? base : java.util.Arrays.copyOf(base, base.length + 1);
            if (tracking != null) {
                fds[base.length] = tracking.fd();
            }
            long id = pager.open(new Message.Open(0, 0, spec, false, false), fds, b.openTimeout);
            LazyRegion region = new LazyRegion(b, pager, id, mapping, uffd, tracking);
            pager.register(id, region);
            return region;
        } catch (RuntimeException e) {
            if (mapping != null) {
                // Unregister before unmapping: another process may still hold a copy of the descriptor (the
                // pager's guardian), and an unmap of a registered range waits until someone reads its event.
                try {
                    uffd.unregister(mapping.address(), mapping.size());
                } catch (RuntimeException notRegistered) {
                    // failed before the range was registered
                }
            }
            uffd.close();
            if (tracking != null) {
                tracking.close();
            }
            if (mapping != null) {
                mapping.close();
            }
            throw e;
        } finally {
            // The pager and its supervisor hold their own copies; the mapping keeps the file alive here.
            if (memfd != null) {
                memfd.close();
            }
            if (journal != null) {
                journal.close();
            }
        }
    }

    /** Probed once: the kernel does not change under a running JVM. */
    private static volatile KernelSupport kernel;

    private static Userfaultfd openUffd(boolean shared, boolean writeProtect, boolean async) {
        KernelSupport ks = kernel;
        if (ks == null) {
            ks = KernelSupport.probe();
            kernel = ks;
        }
        EnumSet<Feature> wanted = EnumSet.noneOf(Feature.class);
        for (Feature f : List.of(Feature.EVENT_REMOVE, Feature.EVENT_UNMAP, Feature.EVENT_REMAP, Feature.POISON,
                Feature.THREAD_ID, Feature.EVENT_FORK)) {
            if (ks.supports(f)) {
                wanted.add(f);
            }
        }
        if (shared) {
            ks.require(Set.of(Feature.MISSING_SHMEM, Feature.MINOR_SHMEM));
            wanted.add(Feature.MISSING_SHMEM);
            wanted.add(Feature.MINOR_SHMEM);
        }
        if (writeProtect) {
            EnumSet<Feature> wp = EnumSet.of(Feature.PAGEFAULT_FLAG_WP, Feature.WP_UNPOPULATED);
            if (shared) {
                wp.add(Feature.WP_HUGETLBFS_SHMEM);
            }
            if (async) {
                wp.add(Feature.WP_ASYNC);
                // The tracking descriptor reports no events: the main one does.
                wanted.removeAll(Set.of(Feature.EVENT_REMOVE, Feature.EVENT_UNMAP, Feature.EVENT_REMAP, Feature.EVENT_FORK));
            }
            ks.require(wp);
            wanted.addAll(wp);
        }
        try {
            return Userfaultfd.builder().features(wanted).build();
        } catch (PermissionDeniedException e) {
            // Unprivileged: no FORK events, and only faults taken in user mode (read(2) into the region gets EFAULT).
            wanted.remove(Feature.EVENT_FORK);
            return Userfaultfd.builder().features(wanted).userModeOnly(true).build();
        }
    }

    /** The region as an ordinary segment of {@link #size()} bytes: read and write it from any thread. */
    public MemorySegment segment() {
        requireOpen("segment");
        return mapping.segment().asSlice(0, size);
    }

    public long size() {
        return size;
    }

    public long address() {
        return mapping.address();
    }

    public Backing backing() {
        return backing;
    }

    /**
     * madvise over [offset, offset + length) of the region, e.g. {@link Advice#DONTNEED} to drop pages:
     * the pager then serves them again from the source on their next touch (for a shared memfd region,
     * DONTNEED keeps the data in the page cache and {@link Advice#REMOVE} drops it).
     */
    public void advise(long offset, long length, Advice advice) {
        requireOpen("advise");
        mapping.advise(offset, length, advice);
    }

    /** What the pager did for this region so far. */
    public RegionStats stats() {
        return stats(Duration.ofSeconds(10));
    }

    /**
     * What the pager did for this region so far, waiting at most {@code timeout}. Fails at once with
     * {@link ClosedException} after {@link #close()}, and with {@link PagerException} when the pager is
     * gone; a request that times out is not reused, so a later call asks again.
     */
    public RegionStats stats(Duration timeout) {
        requireOpen("stats");
        CompletableFuture<RegionStats> f;
        synchronized (statsLock) {
            if (pendingStats == null || pendingStats.isDone()) {
                pendingStats = new CompletableFuture<>();
                try {
                    pager.send(new Message.StatsRequest(id));
                } catch (RuntimeException e) {
                    pendingStats.completeExceptionally(e);
                }
            }
            f = pendingStats;
        }
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PagerException("interrupted waiting for stats");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ClosedException closedPager) {
                throw new ClosedException("stats", "stats of " + this + ": " + closedPager.getMessage());
            }
            throw cause instanceof PagerException pe ? new PagerException(pe.getMessage(), pe)
                    : new PagerException("no stats from the pager: " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            synchronized (statsLock) {
                if (pendingStats == f) {
                    pendingStats = null; // the next call asks again instead of waiting on a lost request
                }
            }
            throw new PagerException("no stats from the pager within " + timeout.toMillis() + " ms" + pager.logHint());
        }
    }

    /** Waits until every page the application has not dropped is filled; false on timeout. */
    public boolean awaitFullyResident(Duration timeout) {
        requireOpen("awaitFullyResident");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (stats().fullyResident()) {
                return true;
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /**
     * Copies [offset, offset + dst.byteSize()) of the region into {@code dst}, naming the pages the pager
     * gave up on instead of throwing InternalError on them (or crashing, as a CRC32C over the region
     * would): use it to checksum, compare or save the region. See {@link RegionReader} and
     * docs/failed-pages.md.
     */
    public RegionReader.Result readSafely(long offset, MemorySegment dst) {
        requireOpen("readSafely");
        return RegionReader.read(segment(), offset, dst);
    }

    /** Pages the pager gave up on (each poisoned: touching it throws InternalError), and region-wide failures (offset -1). */
    public List<PageFailure> failures() {
        return List.copyOf(failures);
    }

    void statsArrived(RegionStats s) {
        synchronized (statsLock) {
            if (pendingStats != null) {
                pendingStats.complete(s);
            }
        }
    }

    void failureArrived(long offset, String reason) {
        PageFailure f = new PageFailure(offset, reason, Instant.now());
        failures.add(f);
        LOG.log(System.Logger.Level.ERROR, this + ": " + f);
        try {
            listener.accept(f);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "failure listener threw", e);
        }
    }

    void pagerLost(String why) {
        failureArrived(-1, "the pager connection is gone: " + why);
        closedByPager.complete(null);
        synchronized (statsLock) {
            if (pendingStats != null) {
                pendingStats.completeExceptionally(new PagerException(why));
            }
        }
    }

    /** Whether the region was opened {@link Builder#writeProtectable write-protectable}. */
    public boolean writeProtectable() {
        return writeProtectable;
    }

    /** Whether the region has a dirty-tracking descriptor ({@link Builder#dirtyTracking}). */
    public boolean dirtyTracking() {
        return tracking != null;
    }

    /** The pager process serving this region (the one to read the region's memory from, with ptrace rights). */
    public Pager pager() {
        return pager;
    }

    /**
     * Sends {@code request} to the pager extension of {@code protocol} for this region, inside the pager
     * worker (see {@link io.uffd4j.pager.spi.RegionExtension}); the future completes with its reply, or
     * with a {@link PagerException} carrying the extension's failure. Throws {@link ClosedException} at once
     * after {@link #close()}.
     */
    public <Q, R> CompletableFuture<R> extensionRequest(ExtensionProtocol<Q, R, ?> protocol, Q request) {
        requireOpen("extensionRequest");
        byte[] encoded = protocol.encodeRequest(request);
        return pager.extensionRequest(id, protocol.extensionClass(), encoded).thenApply(protocol::decodeReply);
    }

    /**
     * Hears the events the extension of {@code protocol} posts for this region, and their loss when a
     * pager restart ended every extension. Called on the pager connection thread; must be quick.
     */
    public <E> void onExtensionEvent(ExtensionProtocol<?, ?, E> protocol, ExtensionListener<E> listener) {
        requireOpen("onExtensionEvent");
        extensionListeners.computeIfAbsent(protocol.extensionClass(), k -> new CopyOnWriteArrayList<>())
                .add(new Subscription<>(protocol, listener));
    }

    /** A listener with the protocol that decodes its events. */
    private record Subscription<E>(ExtensionProtocol<?, ?, E> protocol, ExtensionListener<E> listener) {
        void deliver(byte[] event) {
            listener.onEvent(protocol.decodeEvent(event));
        }
    }

    void extensionEvent(String extension, byte[] event) {
        for (Subscription<?> s : extensionListeners.getOrDefault(extension, List.of())) {
            try {
                s.deliver(event);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "extension event of " + extension + " not delivered", e);
            }
        }
    }

    void extensionsLost(String reason) {
        for (List<Subscription<?>> list : extensionListeners.values()) {
            for (Subscription<?> s : list) {
                try {
                    s.listener().onLost(reason);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "extension listener threw", e);
                }
            }
        }
    }

    void closedByPager() {
        closedByPager.complete(null);
    }

    /**
     * Releases everything: segments handed out become invalid, the pager stops serving and releases its
     * descriptors, mapping and source; then the range is unregistered and unmapped. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        mapping.revokeSegments();
        if (pager.isAlive()) {
            try {
                pager.send(new Message.Close(id));
                closedByPager.get(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, this + ": the pager did not confirm the close: " + e + pager.logHint());
            }
        }
        pager.forget(id);
        try {
            uffd.unregister(mapping.address(), mapping.size());
        } catch (RuntimeException e) {
            if (tracking == null) {
                LOG.log(System.Logger.Level.WARNING, this + ": unregistering failed: " + e);
            }
        }
        if (tracking != null) {
            try {
                tracking.unregister(mapping.address(), mapping.size());
            } catch (RuntimeException ignored) {
                // it was registered with the main descriptor
            }
            tracking.close();
        }
        uffd.close();
        mapping.close();
    }

    /** Whether {@link #close()} was called: every operation but the immutable facts then throws {@link ClosedException}. */
    public boolean isClosed() {
        return closed;
    }

    /** After close the mapping is gone: every operation but the immutable facts (size, address, backing) refuses. */
    private void requireOpen(String operation) {
        if (closed) {
            throw new ClosedException(operation, "LazyRegion." + operation + ": " + this + " is closed");
        }
    }

    @Override
    public String toString() {
        return "LazyRegion[" + id + ", " + size + " bytes, " + backing + ", " + source.className() + "]";
    }
}
