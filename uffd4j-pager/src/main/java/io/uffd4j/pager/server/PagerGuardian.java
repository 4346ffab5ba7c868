package io.uffd4j.pager.server;

import io.uffd4j.ipc.OwnedFd;
import io.uffd4j.ipc.UnixSocket;
import io.uffd4j.pager.protocol.Channel;
import io.uffd4j.pager.protocol.Message;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The guardian: a standby process that holds a copy of every region's descriptors and takes the regions
 * over when the supervisor is lost (its connection closes, or it misses heartbeats for the loss
 * timeout). Taking over means: kill what is left of the supervisor and its worker, so that nobody else
 * reads the userfaultfds, then serve every region in this process as a restarted worker would (wake all
 * waiters, serve their faults again, continue the fill), until each region's application exits.
 *
 * <p>Why a third process: when the pager dies, application threads wait in faults "in Java", so the
 * application's next safepoint cannot complete, and no thread of the application JVM (which would have
 * to return from native code to act) can be relied on to do anything. Only a process outside that JVM
 * can resolve, poison or wake those faults. The supervisor restarts a dead or hung worker; the guardian
 * covers the supervisor; the supervisor restarts a dead or hung guardian.
 */
public final class PagerGuardian {
    private static final System.Logger LOG = System.getLogger(PagerGuardian.class.getName());
    private static final long APPLICATION_CHECK_MS = 200;

    /**
     * A region held for a take-over: how to serve it (an Open, or an AdoptChild for a forked child's copy),
     * the descriptors, and the application whose exit ends it (none for a child: its server sees the end).
     */
    private record Held(Message request, List<OwnedFd> fds, Optional<ProcessHandle> application) {
        void release() {
            fds.forEach(OwnedFd::close);
        }
    }

    private final Channel channel;
    private final Duration lossTimeout;
    private final Optional<ProcessHandle> supervisor = ProcessHandle.current().parent();
    private final Map<Long, Held> held = new ConcurrentHashMap<>();
    private final AtomicBoolean lost = new AtomicBoolean();
    private volatile long lastHeard = System.nanoTime();
    private volatile Optional<ProcessHandle> worker = Optional.empty();
    /**
     * Made at start, with the classes a take-over needs loaded: a take-over happens when things are
     * already going wrong, and must not depend on loading code then (a jar replaced on disk meanwhile
     * made one fail with NoClassDefFoundError in a test run).
     */
    private final PagerWorker server = PagerWorker.detached();

    private PagerGuardian(Channel channel, Duration lossTimeout) {
        this.channel = channel;
        this.lossTimeout = lossTimeout;
        for (Class<?> c : List.of(RegionServer.class, RegionSetup.class, RegionPages.class, RegionControls.class,
                RegionEvents.class, DemandHandler.class, DemandHandler.PageFillException.class, PageFiller.class,
                PageFiller.Outcome.class, PageReader.class, PageCacheWriter.class, BackgroundFill.class, SharedSource.class,
                AddressSpaceProbe.class, Prefetcher.class, io.uffd4j.pager.source.Sources.class, io.uffd4j.EventBatch.class,
                io.uffd4j.Resolver.class, io.uffd4j.serve.FaultLoop.class, io.uffd4j.serve.FaultStats.class,
                io.uffd4j.serve.Resolution.class, io.uffd4j.serve.ServedRange.class, io.uffd4j.serve.UnservablePageException.class)) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException("the guardian cannot load " + c.getName(), e);
            }
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 2) {
            System.err.println("usage: PagerGuardian SUPERVISOR_SOCKET LOSS_TIMEOUT_MS");
            System.exit(2);
        }
        Channel ch = new Channel(UnixSocket.connect(Path.of(args[0])));
        new PagerGuardian(ch, Duration.ofMillis(Long.parseLong(args[1]))).run();
    }

    private void run() throws InterruptedException {
        Thread.ofPlatform().daemon().name("uffd4j-guardian-watch").start(this::watchHeartbeats);
        String why = listen();
        if (lost.compareAndSet(false, true)) {
            takeOver(why);
        } else {
            // The watchdog took over; this thread only keeps the process alive.
            Thread.currentThread().join();
        }
    }

    /** Reads the supervisor's messages until its connection ends; returns why it ended. */
    private String listen() {
        try {
            while (!lost.get()) {
                Optional<Channel.Received> r = channel.receive();
                if (r.isEmpty()) {
                    return "the supervisor closed its connection (it exited or was killed)";
                }
                try (Channel.Received m = r.get()) {
                    lastHeard = System.nanoTime();
                    switch (m.message()) {
                        case Message.Open o -> hold(o.regionId(), o, m.fds(), ProcessHandle.of(o.spec().applicationPid()));
                        case Message.AdoptChild a -> hold(a.regionId(), a, m.fds(), Optional.empty());
                        case Message.Close c -> {
                            Held h = held.remove(c.regionId());
                            if (h != null) {
                                h.release();
                            }
                        }
                        case Message.Standby s -> worker = s.workerPid() > 0 ? ProcessHandle.of(s.workerPid()) : Optional.empty();
                        case Message.Heartbeat h -> channel.send(new Message.HeartbeatReply(h.sequence(), -1, 0));
                        default -> LOG.log(System.Logger.Level.WARNING, "guardian: unexpected " + m.message());
                    }
                }
            }
            return "the watchdog took over";
        } catch (RuntimeException e) {
            return "the supervisor connection failed: " + e.getMessage();
        }
    }

    private void hold(long regionId, Message request, List<OwnedFd> received, Optional<ProcessHandle> application) {
        // Keep the descriptors beyond the received message (which closes what it still owns).
        List<OwnedFd> fds = received.stream().map(f -> new OwnedFd(f.release(), "guardian copy")).toList();
        Held previous = held.put(regionId, new Held(request, fds, application));
        if (previous != null) {
            previous.release();
        }
    }

    private void watchHeartbeats() {
        long period = Math.max(10, lossTimeout.toMillis() / 4);
        while (!lost.get()) {
            sleep(period);
            long silent = System.nanoTime() - lastHeard;
            if (silent > lossTimeout.toNanos() && lost.compareAndSet(false, true)) {
                takeOver("the supervisor sent no heartbeat for " + TimeUnit.NANOSECONDS.toMillis(silent) + " ms");
                return;
            }
        }
    }

    /** The supervisor is lost: take the regions over; a take-over that fails says so loudly and ends the process. */
    private void takeOver(String why) {
        try {
            serveEverything(why);
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.ERROR, "guardian " + ProcessHandle.current().pid() + ": the take-over failed;"
                    + " threads waiting on the regions' missing pages are not served", t);
            Runtime.getRuntime().halt(70);
        }
    }

    /** Makes sure the supervisor and its worker are gone, then serves every region here until its application exits. */
    private void serveEverything(String why) {
        if (held.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "guardian: " + why + "; no region to take over, exiting");
            Runtime.getRuntime().halt(0);
        }
        LOG.log(System.Logger.Level.ERROR, "guardian " + ProcessHandle.current().pid() + ": " + why
                + "; taking over " + held.size() + " region(s)");
        channel.close();
        // One reader per userfaultfd: a half-alive supervisor or worker would race with us for its messages.
        supervisor.ifPresent(PagerGuardian::killAndWait);
        worker.ifPresent(PagerGuardian::killAndWait);
        for (Held h : held.values()) {
            switch (h.request()) {
                // recovering: wake every waiter, whose fault the dead worker may have read without serving it.
                case Message.Open o -> server.open(new Message.Open(o.regionId(), o.regionId(), o.spec(), true, o.poisonAll()), h.fds());
                case Message.AdoptChild a -> server.adoptChild(a, h.fds());
                default -> throw new IllegalStateException("held " + h.request());
            }
        }
        while (true) {
            java.util.Set<Long> served = server.served();
            for (Map.Entry<Long, Held> e : held.entrySet()) {
                if (e.getValue().request() instanceof Message.AdoptChild) {
                    if (!served.contains(e.getKey())) {
                        held.remove(e.getKey()); // the child is gone; its server released everything
                    }
                    continue;
                }
                if (e.getValue().application().map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                LOG.log(System.Logger.Level.INFO, "guardian: the application of region " + e.getKey() + " exited");
                server.close(e.getKey());
                held.remove(e.getKey());
            }
            if (held.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "guardian: every region's application exited; exiting");
                Runtime.getRuntime().halt(0);
            }
            sleep(APPLICATION_CHECK_MS);
        }
    }

    private static void killAndWait(ProcessHandle p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroyForcibly();
        try {
            p.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.ERROR, "guardian: process " + p.pid() + " did not end after SIGKILL: " + e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
