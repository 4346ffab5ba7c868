package io.uffd4j.pager.server;

import io.uffd4j.ipc.OwnedFd;
import io.uffd4j.ipc.UnixServerSocket;
import io.uffd4j.ipc.UnixSocket;
import io.uffd4j.pager.protocol.Channel;
import io.uffd4j.pager.protocol.Message;
import io.uffd4j.pager.protocol.RegionSpec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The supervisor process: the one place applications talk to, and the keeper of a copy of every
 * region's descriptors. It runs the pager worker as a child JVM, checks it with heartbeats and, when
 * the worker dies or hangs (no heartbeat answer, or one region busy past the hang timeout), kills it
 * and starts a new one, handing it every live region with "recovering" set (the new worker wakes all
 * waiters so that their faults are sent again). A region that hangs the worker {@code maxRestarts}
 * times is switched to poison mode: its faults fail loudly instead of waiting.
 *
 * <p>Supervision lives here, outside the application JVM, because a thread of that JVM can be stopped
 * by a safepoint while application threads wait in faults: exactly when it would be needed.
 */
public final class PagerSupervisor {
    private static final System.Logger LOG = System.getLogger(PagerSupervisor.class.getName());

    /** A region some application asked for, with the supervisor's copies of its descriptors. */
    private static final class Region {
        final long id;
        final RegionSpec spec;
        final List<OwnedFd> fds;
        final App owner;
        final long token;
        volatile boolean acknowledged;
        volatile int hangs;
        volatile int restarts;
        volatile boolean poisonAll;
        /** A forked child's copy of region {@code parentId}: it ends with the child, not with the application. */
        final long parentId;

        Region(long id, RegionSpec spec, List<OwnedFd> fds, App owner, long token) {
            this(id, spec, fds, owner, token, 0);
        }

        Region(long id, RegionSpec spec, List<OwnedFd> fds, App owner, long token, long parentId) {
            this.id = id;
            this.spec = spec;
            this.fds = fds;
            this.owner = owner;
            this.token = token;
            this.parentId = parentId;
        }

        boolean isChild() {
            return parentId != 0;
        }

        /** What serves this region in a (new) worker or the guardian. */
        Message serveRequest(boolean recovering) {
            return isChild() ? new Message.AdoptChild(id, parentId, spec, poisonAll)
                    : new Message.Open(id, id, spec, recovering, poisonAll);
        }

        int[] fdNumbers() {
            int[] n = new int[fds.size()];
            for (int i = 0; i < n.length; i++) {
                n[i] = fds.get(i).number();
            }
            return n;
        }

        void release() {
            fds.forEach(OwnedFd::close);
        }
    }

    /** A connected application. */
    private record App(Channel channel, long pid) {
        void sendQuietly(Message m) {
            try {
                channel.send(m);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "application connection gone: " + e);
            }
        }
    }

    private final SupervisorConfig settings;
    private final UnixServerSocket appSocket;
    private final UnixServerSocket workerSocket;
    private final GuardianLink guardian;
    /** Regions whose application asked for stats that have not been answered (resent to a new worker). */
    private final java.util.Set<Long> statsWanted = ConcurrentHashMap.newKeySet();
    /** The current worker's keys of the forked children it adopted, to their region ids here. */
    private final Map<Long, Long> childKeys = new ConcurrentHashMap<>();
    private final Map<Long, Region> regions = new ConcurrentHashMap<>();
    private final List<App> apps = new ArrayList<>();
    private final AtomicLong nextRegion = new AtomicLong(1);
    private final AtomicLong heartbeatSeq = new AtomicLong();
    private final Object workerLock = new Object();
    private volatile Process worker;
    private volatile Channel workerChannel;
    private volatile long lastHeartbeatReply;
    private volatile int generation;
    private volatile boolean stopping;
    private boolean hadApp;

    private PagerSupervisor(SupervisorConfig settings) {
        this.settings = settings;
        this.appSocket = UnixServerSocket.bind(settings.socket());
        this.workerSocket = UnixServerSocket.bind(settings.socket().resolveSibling(settings.socket().getFileName() + ".worker"));
        this.guardian = new GuardianLink(
                UnixServerSocket.bind(settings.socket().resolveSibling(settings.socket().getFileName() + ".guardian")),
                settings.lossTimeout(), settings.workerHeap(), this::handOverToGuardian);
    }

    public static void main(String[] args) throws Exception {
        run(SupervisorConfig.parse(List.of(args)));
    }

    /** Runs a supervisor in this process until it stops (a daemon runs until the process is ended). */
    public static void run(SupervisorConfig settings) throws InterruptedException {
        new PagerSupervisor(settings).serve();
    }

    /** Starts the first worker, then accepts applications until told to stop. */
    private void serve() throws InterruptedException {
        guardian.launch(); // boots while the worker does
        startWorker();
        guardian.connect();
        Thread.ofPlatform().daemon().name("uffd4j-supervisor-heartbeat").start(this::heartbeats);
        System.out.println("uffd4j pager supervisor " + ProcessHandle.current().pid() + " listening on " + settings.socket());
        System.out.flush();
        while (!stopping) {
            Optional<UnixSocket> s;
            try {
                s = appSocket.accept(Duration.ofMillis(500));
            } catch (RuntimeException e) {
                if (stopping) {
                    break;
                }
                throw e;
            }
            if (s.isEmpty()) {
                continue;
            }
            App app = new App(new Channel(s.get()), 0);
            synchronized (apps) {
                apps.add(app);
                hadApp = true;
            }
            Process w = worker;
            app.sendQuietly(new Message.Hello(ProcessHandle.current().pid(), w != null ? w.pid() : -1, guardian.pid()));
            Thread.ofPlatform().daemon().name("uffd4j-supervisor-app").start(() -> serveApp(app));
        }
        shutdown();
    }

    // ---- applications ----------------------------------------------------------------------------

    private void serveApp(App app) {
        try {
            while (true) {
                Optional<Channel.Received> r = app.channel().receive();
                if (r.isEmpty()) {
                    break;
                }
                Channel.Received m = r.get();
                switch (m.message()) {
                    case Message.Open o -> {
                        long id = nextRegion.getAndIncrement();
                        Region region = new Region(id, o.spec(), List.copyOf(m.fds()), app, o.token());
                        regions.put(id, region);
                        guardian.send(new Message.Open(id, id, region.spec, false, false), region.fdNumbers());
                        sendToWorker(region, false);
                    }
                    case Message.Close c -> {
                        m.close();
                        if (!forwardToWorker(new Message.Close(c.regionId()))) {
                            closed(c.regionId());
                        }
                    }
                    case Message.StatsRequest s -> {
                        m.close();
                        // Answered by the worker; one that dies first has it resent by its successor (restart).
                        statsWanted.add(s.regionId());
                        forwardToWorker(s);
                    }
                    case Message.ExtensionRequest x -> {
                        m.close();
                        if (!forwardToWorker(x)) {
                            app.sendQuietly(Message.ExtensionReply.failed(x.regionId(), x.token(),
                                    "the pager worker is restarting; try again"));
                        }
                    }
                    default -> {
                        m.close();
                        LOG.log(System.Logger.Level.WARNING, "supervisor: unexpected " + m.message());
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "supervisor: application connection failed: " + e);
        }
        appGone(app);
    }

    /** The application went away: its regions can never fault again; release them. */
    private void appGone(App app) {
        for (Region r : List.copyOf(regions.values())) {
            if (r.owner == app && !r.isChild()) { // a forked child's copy lives on with the child
                if (!forwardToWorker(new Message.Close(r.id))) {
                    closed(r.id);
                }
            }
        }
        app.channel().close();
        boolean last;
        synchronized (apps) {
            apps.remove(app);
            last = apps.isEmpty();
        }
        if (last && !settings.daemon()) {
            // Started for one application: give the worker a moment to release the regions, then go.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (regions.values().stream().anyMatch(r -> !r.isChild()) && System.nanoTime() < deadline) {
                sleep(10);
            }
            // Forked children may outlive the application: keep serving them until they are gone.
            while (regions.values().stream().anyMatch(Region::isChild) && !stopping) {
                sleep(100);
            }
            stopping = true;
            appSocket.close();
        }
    }

    private void closed(long regionId) {
        Region r = regions.remove(regionId);
        statsWanted.remove(regionId);
        if (r != null) {
            guardian.send(new Message.Close(regionId));
            r.release();
            if (r.owner != null) {
                r.owner.sendQuietly(new Message.Closed(regionId));
            }
        }
    }

    // ---- the worker ------------------------------------------------------------------------------

    private void sendToWorker(Region r, boolean recovering) {
        Channel ch = workerChannel;
        if (ch == null) {
            return; // the next worker gets it
        }
        try {
            ch.send(r.serveRequest(recovering), r.fdNumbers());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "supervisor: worker unreachable; region " + r.id + " goes to the next worker");
        }
    }

    private boolean forwardToWorker(Message m) {
        Channel ch = workerChannel;
        if (ch == null) {
            return false;
        }
        try {
            ch.send(m);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void startWorker() {
        synchronized (workerLock) {
            if (stopping) {
                return;
            }
            List<String> opts = List.of("-Xmx" + settings.workerHeap(), "-XX:+UseSerialGC", "-XX:-UsePerfData");
            List<String> cmd = ChildProcesses.command(opts, PagerWorker.class, List.of(workerSocket.path().toString()));
            Process p;
            try {
                p = new ProcessBuilder(cmd).inheritIO().start();
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot start the pager worker: " + e.getMessage(), e);
            }
            Channel ch = ChildProcesses.awaitConnection(workerSocket, p, "pager worker");
            int gen = ++generation;
            worker = p;
            workerChannel = ch;
            lastHeartbeatReply = System.nanoTime();
            Thread.ofPlatform().daemon().name("uffd4j-supervisor-worker-" + gen).start(() -> readWorker(ch, p, gen));
            guardian.send(new Message.Standby(p.pid()));
            LOG.log(System.Logger.Level.INFO, "supervisor: pager worker " + p.pid() + " started (generation " + gen + ")");
        }
    }

    private void readWorker(Channel ch, Process p, int gen) {
        try {
            ch.receiveAll(m -> {
                if (m.message() instanceof Message.ChildAdopted c) {
                    childAdopted(c, m.fds());
                } else {
                    onWorkerMessage(m.message());
                }
            });
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "supervisor: worker connection failed: " + e);
        }
        if (!stopping) {
            restart(ch, p, gen, "the worker " + p.pid() + " exited or closed its connection");
        }
    }

    /** The worker serves a forked child: keep a copy of its userfaultfd for the next worker and the guardian. */
    private void childAdopted(Message.ChildAdopted c, List<OwnedFd> received) {
        List<OwnedFd> fds = received.stream().map(f -> new OwnedFd(f.release(), "forked child's uffd")).toList();
        Region parent = regions.get(c.parentRegionId());
        long id = nextRegion.getAndIncrement();
        Region child = new Region(id, c.spec(), fds, parent != null ? parent.owner : null, 0, c.parentRegionId());
        child.acknowledged = true;
        regions.put(id, child);
        childKeys.put(c.key(), id);
        guardian.send(child.serveRequest(false), child.fdNumbers());
    }

    private void onWorkerMessage(Message m) {
        switch (m) {
            case Message.ChildEnded c -> {
                Long id = c.key() < 0 ? childKeys.remove(c.key()) : Long.valueOf(c.key());
                Region r = id != null ? regions.remove(id) : null;
                if (r != null) {
                    guardian.send(new Message.Close(r.id));
                    r.release();
                }
            }
            case Message.Opened o -> {
                Region r = regions.get(o.regionId());
                if (r != null && !r.acknowledged) {
                    r.acknowledged = true;
                    r.owner.sendQuietly(new Message.Opened(r.token, r.id));
                }
            }
            case Message.OpenFailed f -> {
                Region r = regions.remove(f.token());
                if (r != null) {
                    guardian.send(new Message.Close(r.id));
                    r.release();
                    if (!r.acknowledged) {
                        r.owner.sendQuietly(new Message.OpenFailed(r.token, f.reason()));
                    } else {
                        r.owner.sendQuietly(new Message.Failure(r.id, -1, "a restarted pager could not take the region back: " + f.reason()));
                    }
                }
            }
            case Message.Closed c -> closed(c.regionId());
            case Message.Stats s -> {
                statsWanted.remove(s.regionId());
                Region r = regions.get(s.regionId());
                if (r != null) {
                    r.owner.sendQuietly(new Message.Stats(s.regionId(), s.stats().withRestarts(r.restarts)));
                }
            }
            case Message.Failure f -> {
                Region r = regions.get(f.regionId());
                if (r != null) {
                    r.owner.sendQuietly(f);
                }
            }
            case Message.ExtensionReply x -> {
                Region r = regions.get(x.regionId());
                if (r != null) {
                    r.owner.sendQuietly(x);
                }
            }
            case Message.ExtensionEvent x -> {
                Region r = regions.get(x.regionId());
                if (r != null) {
                    r.owner.sendQuietly(x);
                }
            }
            case Message.HeartbeatReply h -> {
                lastHeartbeatReply = System.nanoTime();
                if (h.busyNanos() > settings.hangTimeout().toNanos()) {
                    hung(h.busyRegionId(), "region " + h.busyRegionId() + " has been busy in the worker for "
                            + h.busyNanos() / 1_000_000 + " ms");
                }
            }
            default -> LOG.log(System.Logger.Level.WARNING, "supervisor: unexpected from worker: " + m);
        }
    }

    private void heartbeats() {
        // Often enough for both: the worker's hang timeout and the guardian's loss timeout.
        long period = Math.max(10, Math.min(settings.hangTimeout().toMillis(), settings.lossTimeout().toMillis()) / 4);
        while (!stopping) {
            sleep(period);
            guardian.heartbeat(); // also while no worker runs: a restart must not look like a lost supervisor
            Process p = worker;
            if (p == null) {
                continue;
            }
            forwardToWorker(new Message.Heartbeat(heartbeatSeq.incrementAndGet()));
            if (System.nanoTime() - lastHeartbeatReply > settings.hangTimeout().toNanos()) {
                hung(-1, "the worker " + p.pid() + " has not answered heartbeats for " + settings.hangTimeout().toMillis() + " ms");
            }
        }
    }

    /** The worker is stuck: kill it; its reader then restarts it. A region that keeps hanging it is given up on. */
    private void hung(long regionId, String why) {
        Process p = worker;
        if (p == null) {
            return;
        }
        Region r = regionId > 0 ? regions.get(regionId) : null;
        if (r != null && r.owner != null && ++r.hangs >= settings.maxRestarts() && !r.poisonAll) {
            r.poisonAll = true;
            guardian.send(new Message.Open(r.id, r.id, r.spec, false, true), r.fdNumbers());
            r.owner.sendQuietly(new Message.Failure(r.id, -1, "the pager hung serving this region " + r.hangs
                    + " times; its missing pages now fail (poisoned) instead of waiting"));
        }
        LOG.log(System.Logger.Level.ERROR, "supervisor: " + why + "; killing it");
        lastHeartbeatReply = System.nanoTime();
        p.destroyForcibly();
    }

    private void restart(Channel old, Process p, int gen, String why) {
        synchronized (workerLock) {
            if (gen != generation || stopping) {
                return;
            }
            workerChannel = null;
            worker = null;
        }
        old.close();
        p.destroyForcibly();
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LOG.log(System.Logger.Level.ERROR, "supervisor: " + why + "; starting a new worker and handing it "
                + regions.size() + " region(s)");
        for (int attempt = 1; ; attempt++) {
            try {
                startWorker();
                break;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "supervisor: restart attempt " + attempt + " failed", e);
                if (attempt >= 5) {
                    for (Region r : regions.values()) {
                        if (r.owner == null) {
                            continue;
                        }
                        r.owner.sendQuietly(new Message.Failure(r.id, -1, "the pager worker cannot be restarted ("
                                + e.getMessage() + "); the guardian takes the region over"));
                    }
                    // Waiting threads must not wait on a worker that will not come: the guardian serves them.
                    LOG.log(System.Logger.Level.ERROR, "supervisor: giving the regions to the guardian and exiting");
                    Runtime.getRuntime().halt(3);
                }
                sleep(500L * attempt);
            }
        }
        childKeys.clear(); // the dead worker's keys; its children are served under their ids from now on
        for (Region r : List.copyOf(regions.values())) {
            r.restarts++;
            sendToWorker(r, true);
            if (r.isChild()) {
                continue;
            }
            // Extensions lived in the dead worker: their operations in progress are over.
            r.owner.sendQuietly(new Message.ExtensionsLost(r.id, why));
        }
        // Stats asked of the dead worker (or while none ran) are asked of this one.
        for (long id : List.copyOf(statsWanted)) {
            forwardToWorker(new Message.StatsRequest(id));
        }
    }

    /** A new guardian: it holds nothing yet, so it gets every live region and the current worker. */
    private void handOverToGuardian() {
        for (Region r : List.copyOf(regions.values())) {
            guardian.send(r.serveRequest(false), r.fdNumbers());
        }
        Process w = worker;
        guardian.send(new Message.Standby(w != null ? w.pid() : -1));
    }

    private void shutdown() {
        stopping = true;
        Channel ch = workerChannel;
        if (ch != null) {
            ch.shutdown();
        }
        ChildProcesses.endWithin(worker, 5);
        // Nothing is left to guard: the guardian must not take over what is being released.
        guardian.stop(List.copyOf(regions.keySet()));
        regions.values().forEach(Region::release);
        workerSocket.close();
        appSocket.close();
        if (settings.ownsDirectory()) {
            io.uffd4j.ipc.ScratchDirectory.delete(settings.socket().getParent());
        }
        System.exit(0);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
