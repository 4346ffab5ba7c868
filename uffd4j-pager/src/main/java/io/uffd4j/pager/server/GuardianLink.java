package io.uffd4j.pager.server;

import io.uffd4j.ipc.UnixServerSocket;
import io.uffd4j.pager.protocol.Channel;
import io.uffd4j.pager.protocol.Message;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The supervisor's side of the {@link PagerGuardian}: starts it, keeps it informed (every region with
 * its descriptors, the current worker), heartbeats it, and starts a new one when it dies or stops
 * answering. Sending never throws: a guardian that cannot be reached is being replaced, and the
 * replacement is handed everything again ({@code handOver}).
 */
final class GuardianLink {
    private static final System.Logger LOG = System.getLogger(GuardianLink.class.getName());

    private final UnixServerSocket socket;
    private final Duration lossTimeout;
    private final String heap;
    private final Runnable handOver;
    private final AtomicLong sequence = new AtomicLong();
    private final Object lock = new Object();
    private volatile Process process;
    private volatile Channel channel;
    private volatile long lastReply;
    private volatile boolean stopping;
    private int generation;

    /** {@code handOver} sends every live region and the current worker to a newly connected guardian. */
    GuardianLink(UnixServerSocket socket, Duration lossTimeout, String heap, Runnable handOver) {
        this.socket = socket;
        this.lossTimeout = lossTimeout;
        this.heap = heap;
        this.handOver = handOver;
    }

    /** Starts the guardian process without waiting for it (it boots while the worker does). */
    void launch() {
        List<String> opts = List.of("-Xmx" + heap, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData");
        List<String> cmd = ChildProcesses.command(opts, PagerGuardian.class,
                List.of(socket.path().toString(), Long.toString(lossTimeout.toMillis())));
        try {
            process = new ProcessBuilder(cmd).inheritIO().start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the pager guardian: " + e.getMessage(), e);
        }
    }

    /** Waits for the launched guardian to connect, then hands it everything. */
    void connect() {
        Process p = process;
        Channel ch = ChildProcesses.awaitConnection(socket, p, "pager guardian");
        int gen;
        synchronized (lock) {
            channel = ch;
            lastReply = System.nanoTime();
            gen = ++generation;
        }
        Thread.ofPlatform().daemon().name("uffd4j-supervisor-guardian-" + gen).start(() -> read(ch, p, gen));
        handOver.run();
        LOG.log(System.Logger.Level.INFO, "supervisor: pager guardian " + p.pid() + " started (generation " + gen + ")");
    }

    /** The guardian's process id, or -1 while none runs. */
    long pid() {
        Process p = process;
        return p != null && p.isAlive() ? p.pid() : -1;
    }

    void send(Message m, int... fds) {
        Channel ch = channel;
        if (ch == null) {
            return; // the next guardian is handed everything
        }
        try {
            ch.send(m, fds);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "supervisor: guardian unreachable (" + e.getMessage() + "); it is being replaced");
        }
    }

    /** One heartbeat; kills a guardian that has not answered within the loss timeout (its reader then replaces it). */
    void heartbeat() {
        Process p = process;
        if (channel == null || p == null) {
            return;
        }
        send(new Message.Heartbeat(sequence.incrementAndGet()));
        if (System.nanoTime() - lastReply > lossTimeout.toNanos()) {
            LOG.log(System.Logger.Level.ERROR, "supervisor: the guardian " + p.pid() + " has not answered for "
                    + lossTimeout.toMillis() + " ms; replacing it");
            lastReply = System.nanoTime();
            p.destroyForcibly();
        }
    }

    private void read(Channel ch, Process p, int gen) {
        try {
            ch.receiveAll(m -> {
                if (m.message() instanceof Message.HeartbeatReply) {
                    lastReply = System.nanoTime();
                }
            });
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "supervisor: guardian connection failed: " + e);
        }
        synchronized (lock) {
            if (gen != generation || stopping) {
                return;
            }
            channel = null;
        }
        ch.close();
        p.destroyForcibly();
        LOG.log(System.Logger.Level.ERROR, "supervisor: the guardian " + p.pid() + " is gone; starting a new one");
        for (int attempt = 1; !stopping; attempt++) {
            try {
                launch();
                connect();
                return;
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "supervisor: guardian start attempt " + attempt + " failed: " + e.getMessage());
                sleepQuietly(Math.min(5000, 500L * attempt));
            }
        }
    }

    /**
     * Stops the guardian for good: it is told that nothing is held any more (so it does not take over),
     * then its connection closes and it exits.
     */
    void stop(Iterable<Long> regionIds) {
        stopping = true;
        for (long id : regionIds) {
            send(new Message.Close(id));
        }
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
        ChildProcesses.endWithin(process, 5);
        socket.close();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
