package io.uffd4j.pager;

import io.uffd4j.error.ClosedException;
import io.uffd4j.ipc.ScratchDirectory;
import io.uffd4j.ipc.UnixSocket;
import io.uffd4j.pager.protocol.Channel;
import io.uffd4j.pager.protocol.Message;
import io.uffd4j.pager.protocol.Payload;
import io.uffd4j.pager.server.ChildProcesses;
import io.uffd4j.pager.server.PagerGuardian;
import io.uffd4j.pager.server.PagerSupervisor;
import io.uffd4j.pager.server.PagerWorker;
import io.uffd4j.pager.server.SupervisorConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A connection to a pager: the out-of-process service that fills {@link LazyRegion}s. Either started
 * and supervised by the library ({@link #launch()}: a supervisor process that runs the worker and
 * restarts it when it dies or hangs, ending when this connection closes), or a long-running daemon
 * ({@code ./uffd4j pager}) reached with {@link #connect(Path)}.
 *
 * <p>Thread-safe. One pager serves any number of regions.
 */
public final class Pager implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Pager.class.getName());
    private static volatile Pager shared;

    private final Channel channel;
    private final Process supervisor;
    private final Path directory;
    private final Thread reader;
    private final AtomicLong tokens = new AtomicLong(1);
    private final Map<Long, CompletableFuture<Message>> opening = new ConcurrentHashMap<>();
    private final Map<Long, LazyRegion> regions = new ConcurrentHashMap<>();
    private final Map<Long, CompletableFuture<byte[]>> extensionCalls = new ConcurrentHashMap<>();
    private final CompletableFuture<Message.Hello> hello = new CompletableFuture<>();
    private volatile boolean closed;
    private volatile String lostReason;

    /**
     * Settings of a pager the library launches. {@code hangTimeout}: a worker silent or stuck on one fault
     * that long is killed and replaced. {@code lossTimeout}: a supervisor silent that long is given up on,
     * and its guardian takes the regions over (a killed supervisor is noticed at once).
     */
    public record Options(Duration hangTimeout, int maxRestarts, String workerHeap, List<String> extraJvmOptions,
                          Duration lossTimeout) {
        public static final Duration MIN_HANG_TIMEOUT = Duration.ofMillis(100);
        public static final Duration MAX_HANG_TIMEOUT = Duration.ofHours(1);
        public static final Duration MIN_LOSS_TIMEOUT = Duration.ofMillis(100);
        public static final Duration MAX_LOSS_TIMEOUT = Duration.ofHours(1);
        public static final int MAX_RESTARTS = 1000;

        public Options {
            requireWithin("hangTimeout", hangTimeout, MIN_HANG_TIMEOUT, MAX_HANG_TIMEOUT);
            requireWithin("lossTimeout", lossTimeout, MIN_LOSS_TIMEOUT, MAX_LOSS_TIMEOUT);
            if (maxRestarts < 0 || maxRestarts > MAX_RESTARTS) {
                throw new IllegalArgumentException("maxRestarts " + maxRestarts + " is out of range (accepted: 0 to " + MAX_RESTARTS + ")");
            }
            WorkerHeap.bytes(workerHeap);
            extraJvmOptions = List.copyOf(java.util.Objects.requireNonNull(extraJvmOptions, "extraJvmOptions"));
        }

        public Options(Duration hangTimeout, int maxRestarts, String workerHeap, List<String> extraJvmOptions) {
            this(hangTimeout, maxRestarts, workerHeap, extraJvmOptions, SupervisorConfig.DEFAULT_LOSS_TIMEOUT);
        }

        private static void requireWithin(String name, Duration d, Duration min, Duration max) {
            java.util.Objects.requireNonNull(d, name);
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + " " + d.toMillis() + " ms is out of range (accepted: "
                        + min.toMillis() + " to " + max.toMillis() + " ms)");
            }
        }

        public static Options defaults() {
            return new Options(Duration.ofSeconds(3), 3, "256m", List.of());
        }

        public Options withHangTimeout(Duration d) {
            return new Options(d, maxRestarts, workerHeap, extraJvmOptions, lossTimeout);
        }

        public Options withMaxRestarts(int n) {
            return new Options(hangTimeout, n, workerHeap, extraJvmOptions, lossTimeout);
        }

        public Options withLossTimeout(Duration d) {
            return new Options(hangTimeout, maxRestarts, workerHeap, extraJvmOptions, d);
        }
    }

    private Pager(Channel channel, Process supervisor, Path directory) {
        this.channel = channel;
        this.supervisor = supervisor;
        this.directory = directory;
        this.reader = Thread.ofPlatform().daemon().name("uffd4j-pager-client").start(this::readLoop);
    }

    /** Starts a supervised pager for this JVM (a supervisor process, which runs the worker). */
    public static Pager launch() {
        return launch(Options.defaults());
    }

    public static Pager launch(Options options) {
        // Removed by the supervisor when it exits, or by the next launch if both were killed.
        Path dir = ScratchDirectory.create("uffd4j-pager").path();
        Path socket = dir.resolve("pager.sock");
        SupervisorConfig settings = new SupervisorConfig(socket, false, options.hangTimeout(),
                options.maxRestarts(), options.workerHeap(), options.lossTimeout(), true);
        List<String> jvm = new ArrayList<>(List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"));
        jvm.addAll(options.extraJvmOptions());
        List<String> cmd = ChildProcesses.command(jvm, PagerSupervisor.class, settings.toArgs());
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("pager.log").toFile()).start();
        } catch (IOException e) {
            throw new PagerException("cannot start the pager supervisor: " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (!p.isAlive()) {
                throw new PagerException("the pager supervisor exited with " + p.exitValue() + ": " + tail(dir.resolve("pager.log")));
            }
            if (Files.exists(socket)) {
                try {
                    Pager pager = new Pager(new Channel(UnixSocket.connect(socket)), p, dir);
                    pager.awaitHello();
                    return pager;
                } catch (RuntimeException e) {
                    if (System.nanoTime() > deadline) {
                        p.destroyForcibly();
                        throw new PagerException("cannot connect to the pager at " + socket + ": " + e.getMessage(), e);
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new PagerException("the pager supervisor did not listen within 60 s: " + tail(dir.resolve("pager.log")));
            }
            sleep(20);
        }
    }

    /** Connects to a running pager daemon ({@code ./uffd4j pager --socket PATH}). */
    public static Pager connect(Path socket) {
        java.util.Objects.requireNonNull(socket, "socket");
        UnixSocket connection;
        try {
            connection = UnixSocket.connect(socket);
        } catch (RuntimeException e) {
            // The socket is not a page: say which pager could not be reached and why, as a pager error.
            throw new PagerException("cannot connect to the pager at " + socket + ": " + e.getMessage()
                    + (Files.exists(socket) ? "" : " (no such file: is ./uffd4j pager running with --socket " + socket + "?)"), e);
        }
        Pager p = new Pager(new Channel(connection), null, null);
        try {
            p.awaitHello();
        } catch (PagerException e) {
            throw new PagerException("cannot connect to the pager at " + socket + ": " + e.getMessage(), e);
        }
        return p;
    }

    /** The pager this JVM shares by default (launched on first use, closed at exit). */
    public static Pager shared() {
        Pager p = shared;
        if (p == null || p.closed || p.lostReason != null) {
            synchronized (Pager.class) {
                p = shared;
                if (p == null || p.closed || p.lostReason != null) {
                    p = launch();
                    shared = p;
                    Pager toClose = p;
                    Runtime.getRuntime().addShutdownHook(new Thread(toClose::close, "uffd4j-pager-shutdown"));
                }
            }
        }
        return p;
    }

    private void awaitHello() {
        try {
            hello.get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PagerException("interrupted while connecting to the pager");
        } catch (ExecutionException e) {
            channel.close();
            // The read loop ended before a greeting: the peer hung up or spoke another protocol.
            throw new PagerException("no greeting from the pager: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            channel.close();
            throw new PagerException("the pager did not greet within 60 s");
        }
    }

    /** The supervisor's process id. */
    public long supervisorPid() {
        return hello.join().supervisorPid();
    }

    /** The current worker's process id, or -1 (between a worker's death and its replacement). */
    public long workerPid() {
        return childPid(PagerWorker.class);
    }

    /**
     * The guardian's process id, or -1: the process that holds a copy of every region and takes them over
     * when the supervisor is lost.
     */
    public long guardianPid() {
        return childPid(PagerGuardian.class);
    }

    private long childPid(Class<?> main) {
        Optional<ProcessHandle> sup = ProcessHandle.of(supervisorPid());
        return sup.flatMap(h -> h.children().filter(ProcessHandle::isAlive)
                        .filter(c -> c.info().arguments().map(a -> List.of(a).contains(main.getName())).orElse(false))
                        .map(ProcessHandle::pid).findFirst())
                .orElse(-1L);
    }

    /** The supervisor's log (a launched pager), for diagnosis. */
    public Optional<Path> log() {
        return directory == null ? Optional.empty() : Optional.of(directory.resolve("pager.log"));
    }

    /** Whether the connection is up. */
    public boolean isAlive() {
        return !closed && lostReason == null;
    }

    // ---- used by LazyRegion ----------------------------------------------------------------------

    long open(Message.Open request, int[] fds, Duration timeout) {
        requireAlive("open");
        long token = tokens.getAndIncrement();
        CompletableFuture<Message> reply = new CompletableFuture<>();
        opening.put(token, reply);
        try {
            sendOrFail(new Message.Open(token, 0, request.spec(), false, false), fds);
            Message m = reply.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return switch (m) {
                case Message.Opened o -> o.regionId();
                case Message.OpenFailed f -> throw new PagerException("the pager refused the region: " + f.reason());
                default -> throw new PagerException("unexpected answer " + m);
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PagerException("interrupted while opening a region");
        } catch (TimeoutException e) {
            throw new PagerException("the pager did not take the region within " + timeout.toMillis() + " ms" + logHint());
        } catch (ExecutionException e) {
            throw new PagerException("the pager connection failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            opening.remove(token);
        }
    }

    /** Sends an encoded extension request; the future completes with the worker's encoded reply. */
    CompletableFuture<byte[]> extensionRequest(long regionId, String extension, byte[] request) {
        requireAlive("extensionRequest");
        long token = tokens.getAndIncrement();
        CompletableFuture<byte[]> reply = new CompletableFuture<>();
        extensionCalls.put(token, reply);
        reply.whenComplete((r, t) -> extensionCalls.remove(token));
        try {
            channel.send(new Message.ExtensionRequest(regionId, token, extension, new Payload(request)));
        } catch (RuntimeException e) {
            reply.completeExceptionally(new PagerException("cannot reach the pager: " + e.getMessage(), e));
        }
        return reply;
    }

    void register(long regionId, LazyRegion region) {
        regions.put(regionId, region);
    }

    void send(Message m) {
        requireAlive("send");
        sendOrFail(m);
    }

    /**
     * Sends, or throws a PagerException: between the pager's death and the read loop noticing it, the
     * socket's own error (EPIPE) would otherwise reach the caller.
     */
    private void sendOrFail(Message m, int... fds) {
        try {
            channel.send(m, fds);
        } catch (io.uffd4j.error.UffdException e) {
            throw new PagerException("cannot reach the pager: " + e.getMessage() + logHint(), e);
        }
    }

    void forget(long regionId) {
        regions.remove(regionId);
    }

    private void requireAlive(String operation) {
        if (closed) {
            throw new ClosedException(operation, "Pager." + operation + ": the pager connection is closed");
        }
        if (lostReason != null) {
            throw new PagerException("the pager is gone: " + lostReason);
        }
    }

    String logHint() {
        return log().map(p -> " (pager log: " + p + ")").orElse("");
    }

    private void readLoop() {
        String why = "the pager closed the connection";
        try {
            channel.receiveAll(m -> dispatch(m.message()));
        } catch (RuntimeException e) {
            why = "the pager connection failed: " + e.getMessage();
        }
        if (!closed) {
            long guardian = hello.isDone() && !hello.isCompletedExceptionally() ? hello.join().guardianPid() : -1;
            boolean guarded = guardian > 0 && ProcessHandle.of(guardian).map(ProcessHandle::isAlive).orElse(false);
            why = why + (guarded ? "; its guardian (process " + guardian + ") serves the open regions from now on,"
                    + " without stats, failure reports or extensions"
                    : "; no guardian is alive: threads touching unfilled pages of its regions wait");
            LOG.log(System.Logger.Level.ERROR, "uffd4j pager lost: " + why + logHint());
            for (LazyRegion region : regions.values()) {
                region.pagerLost(why);
            }
            // Last: whoever sees the pager as lost also sees every region's report of it.
            lostReason = why;
        }
        String reason = why;
        opening.values().forEach(f -> f.completeExceptionally(new PagerException(reason)));
        extensionCalls.values().forEach(f -> f.completeExceptionally(new PagerException(reason)));
        hello.completeExceptionally(new PagerException(reason));
    }

    private void dispatch(Message m) {
        switch (m) {
            case Message.Hello h -> hello.complete(h);
            case Message.Opened o -> complete(o.token(), o);
            case Message.OpenFailed f -> complete(f.token(), f);
            case Message.Closed c -> {
                LazyRegion region = regions.get(c.regionId());
                if (region != null) {
                    region.closedByPager();
                }
            }
            case Message.Stats s -> {
                LazyRegion region = regions.get(s.regionId());
                if (region != null) {
                    region.statsArrived(s.stats());
                }
            }
            case Message.Failure f -> {
                LazyRegion region = regions.get(f.regionId());
                if (region != null) {
                    region.failureArrived(f.offset(), f.reason());
                } else {
                    LOG.log(System.Logger.Level.ERROR, "pager failure for unknown region " + f.regionId() + ": " + f.reason());
                }
            }
            case Message.ExtensionReply x -> {
                CompletableFuture<byte[]> f = extensionCalls.get(x.token());
                if (f != null) {
                    if (x.ok()) {
                        f.complete(x.reply().bytes());
                    } else {
                        f.completeExceptionally(new PagerException(x.error()));
                    }
                }
            }
            case Message.ExtensionEvent x -> {
                LazyRegion region = regions.get(x.regionId());
                if (region != null) {
                    region.extensionEvent(x.extension(), x.event().bytes());
                }
            }
            case Message.ExtensionsLost x -> {
                LazyRegion region = regions.get(x.regionId());
                if (region != null) {
                    region.extensionsLost(x.reason());
                }
            }
            default -> LOG.log(System.Logger.Level.WARNING, "unexpected pager message " + m);
        }
    }

    private void complete(long token, Message m) {
        CompletableFuture<Message> f = opening.get(token);
        if (f != null) {
            f.complete(m);
        }
    }

    /**
     * Closes the connection: a launched pager (supervisor and worker) then exits. Regions still open
     * should be closed first; their memory stays mapped but is no longer filled.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        for (LazyRegion r : List.copyOf(regions.values())) {
            try {
                r.close();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "closing " + r + " failed", e);
            }
        }
        closed = true;
        channel.shutdown();
        try {
            reader.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        channel.close();
        if (supervisor != null) {
            try {
                if (!supervisor.waitFor(10, TimeUnit.SECONDS)) {
                    supervisor.destroyForcibly();
                }
            } catch (InterruptedException e) {
                supervisor.destroyForcibly();
            }
            ScratchDirectory.delete(directory);
        }
        if (shared == this) {
            shared = null;
        }
    }

    private static String tail(Path log) {
        try {
            String s = Files.readString(log);
            return s.length() > 4000 ? "..." + s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "Pager[supervisor " + (hello.isDone() && !hello.isCompletedExceptionally() ? supervisorPid() : "?")
                + (lostReason != null ? ", lost: " + lostReason : "") + "]";
    }
}
