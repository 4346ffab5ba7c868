package io.uffd4j.pager.server;

import io.uffd4j.Feature;
import io.uffd4j.Userfaultfd;
import io.uffd4j.ipc.OwnedFd;
import io.uffd4j.ipc.UnixSocket;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.Memfd;
import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.protocol.Channel;
import io.uffd4j.pager.protocol.Message;
import io.uffd4j.pager.protocol.Payload;
import io.uffd4j.pager.protocol.RegionSpec;
import io.uffd4j.pager.source.PageSource;
import io.uffd4j.pager.source.Sources;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pager worker process: receives regions (descriptors over the supervisor's Unix socket), serves
 * each with a {@link RegionServer} thread, answers heartbeats. It exits when the supervisor goes away.
 * A worker keeps no state that matters across its death: the supervisor holds copies of every
 * descriptor and hands them to the next worker.
 */
public final class PagerWorker {
    private static final System.Logger LOG = System.getLogger(PagerWorker.class.getName());

    private final Channel channel;
    private final Map<Long, Served> regions = new ConcurrentHashMap<>();
    /** Keys of the forked children's servers running here (negative: adopted from a FORK event here). */
    private final Set<Long> children = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong nextChildKey = new java.util.concurrent.atomic.AtomicLong(-1);
    private final RegionServer.Reporter reporter = new RegionServer.Reporter() {
        @Override
        public void failure(long regionId, long offset, String reason) {
            reportFailure(regionId, offset, reason);
        }

        @Override
        public long childAdopted(long parentId, RegionSpec childSpec, int childUffd) {
            long key = nextChildKey.getAndDecrement();
            children.add(key);
            try {
                tell(new Message.ChildAdopted(parentId, key, childSpec), childUffd);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "pager worker: could not give the supervisor a forked child's descriptor;"
                        + " the child is not served after a restart of this worker", e);
            }
            return key;
        }

        @Override
        public void childEnded(long key) {
            children.remove(key);
            try {
                tell(new Message.ChildEnded(key));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.DEBUG, "pager worker: supervisor gone; child " + key + " ended");
            }
        }
    };
    /** Extension requests run here, so that a slow one never delays heartbeats or faults. */
    private final java.util.concurrent.ExecutorService extensionThread = java.util.concurrent.Executors.newSingleThreadExecutor(
            r -> Thread.ofPlatform().daemon().name("uffd4j-pager-extensions").unstarted(r));

    /** A served region and what it holds besides the server. */
    private record Served(RegionServer server, Mapping journalMapping) {
        void close() {
            server.close();
            if (journalMapping != null) {
                journalMapping.close();
            }
        }
    }

    private PagerWorker(Channel channel) {
        this.channel = channel;
    }

    /**
     * A worker with no supervisor to answer (the guardian's, after the supervisor is lost): what it
     * would report goes to the log only.
     */
    static PagerWorker detached() {
        return new PagerWorker(null);
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: PagerWorker SUPERVISOR_SOCKET");
            System.exit(2);
        }
        Channel ch = new Channel(UnixSocket.connect(Path.of(args[0])));
        new PagerWorker(ch).serve();
        // The supervisor is gone: nobody can ask us for anything. The kernel closes every descriptor.
        Runtime.getRuntime().halt(0);
    }

    private void serve() {
        while (true) {
            Optional<Channel.Received> r;
            try {
                r = channel.receive();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "pager worker: control connection failed", e);
                return;
            }
            if (r.isEmpty()) {
                return;
            }
            try (Channel.Received m = r.get()) {
                handle(m.message(), m.fds());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "pager worker: handling a control message failed", e);
            }
        }
    }

    private void handle(Message m, List<OwnedFd> fds) {
        switch (m) {
            case Message.Open o -> open(o, fds);
            case Message.Close c -> {
                close(c.regionId());
                channel.send(new Message.Closed(c.regionId()));
            }
            case Message.AdoptChild a -> adoptChild(a, fds);
            case Message.ExtensionRequest x -> extensionThread.execute(() -> runExtension(x));
            case Message.StatsRequest s -> {
                Served r = regions.get(s.regionId());
                if (r != null) {
                    channel.send(new Message.Stats(s.regionId(), r.server().stats()));
                }
            }
            case Message.Heartbeat h -> {
                long now = System.nanoTime();
                long busiest = -1;
                long busyFor = 0;
                for (Served s : regions.values()) {
                    long since = s.server().busySince();
                    if (since != 0 && now - since > busyFor) {
                        busyFor = now - since;
                        busiest = s.server().id;
                    }
                }
                channel.send(new Message.HeartbeatReply(h.sequence(), busiest, busyFor));
            }
            default -> LOG.log(System.Logger.Level.WARNING, "pager worker: unexpected " + m);
        }
    }

    /** Sends to the supervisor; a detached worker (the guardian's) logs instead. */
    private void tell(Message m, int... fds) {
        if (channel == null) {
            LOG.log(System.Logger.Level.INFO, "pager worker (detached): " + m);
            return;
        }
        channel.send(m, fds);
    }

    private void runExtension(Message.ExtensionRequest x) {
        Served s = regions.get(x.regionId());
        if (s == null) {
            channel.send(Message.ExtensionReply.failed(x.regionId(), x.token(), "no such region in the pager"));
            return;
        }
        try {
            byte[] reply = s.server().extensions.request(x.extension(), x.request().bytes());
            channel.send(new Message.ExtensionReply(x.regionId(), x.token(), true, new Payload(reply), ""));
        } catch (Exception | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "pager worker: a request to extension " + x.extension() + " failed", e);
            channel.send(Message.ExtensionReply.failed(x.regionId(), x.token(), e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
    }

    /** Serves a region whose descriptors came with {@code o}; answers Opened or OpenFailed. */
    void open(Message.Open o, List<OwnedFd> fds) {
        RegionSpec spec = o.spec();
        boolean shared = spec.backing() == Backing.SHARED_MEMFD;
        int needed = (shared ? 3 : 1) + (spec.tracking() ? 1 : 0);
        if (fds.size() != needed) {
            tell(new Message.OpenFailed(o.token(), "expected " + needed + " descriptors with the region, got " + fds.size()));
            return;
        }
        Userfaultfd uffd = null;
        Userfaultfd tracking = null;
        Mapping view = null;
        Mapping journal = null;
        PageSource source = null;
        try {
            uffd = Userfaultfd.adopt(fds.get(0).release(), spec.features());
            if (shared) {
                try (Memfd data = Memfd.adopt(fds.get(1).release(), "region-" + o.regionId());
                     Memfd log = Memfd.adopt(fds.get(2).release(), "journal-" + o.regionId())) {
                    if (data.size() < spec.length()) {
                        throw new IllegalArgumentException("the memfd holds " + data.size() + " bytes, the region " + spec.length());
                    }
                    view = data.map(0, spec.length());
                    journal = log.map(0, log.size());
                }
            }
            if (spec.tracking()) {
                Set<Feature> trackingFeatures = EnumSet.noneOf(Feature.class);
                trackingFeatures.addAll(spec.features());
                trackingFeatures.add(Feature.WP_ASYNC);
                tracking = Userfaultfd.adopt(fds.get(fds.size() - 1).release(), trackingFeatures);
            }
            source = Sources.open(spec.source(), spec.length(), spec.pageSize());
            RegionServer server = new RegionServer(new RegionSetup(o.regionId(), spec, uffd, tracking, source, true, view,
                    journal != null ? journal.segment() : null, o.recovering(), o.poisonAll(), false, reporter));
            server.extensions.bind(uffd, tracking, source, view != null ? view.segment() : null, spec.applicationPid(),
                    (region, extension, event) -> tell(new Message.ExtensionEvent(region, extension, new Payload(event))));
            regions.put(o.regionId(), new Served(server, journal));
            server.start();
            tell(new Message.Opened(o.token(), o.regionId()));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "pager worker: cannot serve region " + o.regionId(), e);
            if (source != null) {
                source.close();
            }
            if (view != null) {
                view.close();
            }
            if (journal != null) {
                journal.close();
            }
            if (uffd != null) {
                uffd.close();
            }
            if (tracking != null) {
                tracking.close();
            }
            tell(new Message.OpenFailed(o.token(), String.valueOf(e.getMessage())));
        }
    }


    /** Serves a forked child's copy of a region whose previous server died with its worker. */
    void adoptChild(Message.AdoptChild a, List<OwnedFd> fds) {
        if (fds.size() != 1) {
            LOG.log(System.Logger.Level.ERROR, "pager worker: a forked child came with " + fds.size() + " descriptors, not 1");
            return;
        }
        Userfaultfd uffd = null;
        PageSource source = null;
        try {
            uffd = Userfaultfd.adopt(fds.get(0).release(), a.spec().features());
            source = Sources.open(a.spec().source(), a.spec().length(), a.spec().pageSize());
            RegionServer c = RegionServer.adoptedChild(a.parentRegionId(), a.regionId(), a.spec(), uffd, source, a.poisonAll(), reporter);
            children.add(a.regionId());
            c.start();
            LOG.log(System.Logger.Level.INFO, "region " + a.parentRegionId() + ": serving a forked child's copy again (" + a.regionId() + ")");
        } catch (RuntimeException e) {
            children.remove(a.regionId());
            if (source != null) {
                source.close();
            }
            if (uffd != null) {
                uffd.close();
            }
            reportFailure(a.parentRegionId(), -1, "could not serve a forked child's copy of the region again: " + e);
        }
    }

    /** Stops serving a region and releases what it holds; false if it was not served. */
    boolean close(long regionId) {
        Served s = regions.remove(regionId);
        if (s == null) {
            return false;
        }
        s.close();
        return true;
    }

    /** Ids of the regions and keys of the forked children served now. */
    Set<Long> served() {
        Set<Long> all = new java.util.HashSet<>(regions.keySet());
        all.addAll(children);
        return all;
    }

    private void reportFailure(long regionId, long offset, String reason) {
        try {
            tell(new Message.Failure(regionId, offset, reason));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "pager worker: could not report a failure of region " + regionId + ": " + reason, e);
        }
    }
}
