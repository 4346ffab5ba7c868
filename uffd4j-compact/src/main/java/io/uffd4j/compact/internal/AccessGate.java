package io.uffd4j.compact.internal;

import io.uffd4j.error.ClosedException;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets many user operations run at once and lets one thread stop them all for a short pause (the
 * start and the end of a compaction cycle): the store's safepoint. Entering costs one uncontended
 * atomic increment on a per-thread stripe; a pause flags the gate, then waits until every stripe
 * drains. Operations that arrive during a pause wait on a monitor until it ends.
 *
 * <p>Ordering: an entrant increments its stripe (a full fence) and then reads the flag; the pauser
 * writes the flag (volatile) and then reads the stripes. Either the pauser sees the increment, or
 * the entrant sees the flag and backs out.
 */
public final class AccessGate {
    private static final int STRIPES = 64;
    private static final int SPREAD = 16; // 16 longs = 128 bytes between stripes: no false sharing

    private final AtomicLongArray inside = new AtomicLongArray(STRIPES * SPREAD);
    private final Object monitor = new Object();
    private final String what;
    /** Debugging aid: remember where each thread inside entered (-Duffd4j.compact.traceGate=true). */
    private static final boolean TRACE = Boolean.getBoolean("uffd4j.compact.traceGate");
    private static final System.Logger LOG = System.getLogger(AccessGate.class.getName());
    private final java.util.Map<Thread, Throwable> holders = TRACE ? new java.util.concurrent.ConcurrentHashMap<>() : null;
    private volatile boolean paused;
    private volatile boolean closed;

    public AccessGate(String what) {
        this.what = what;
    }

    private static int stripe() {
        long id = Thread.currentThread().threadId();
        return (int) ((id * 0x9E3779B97F4A7C15L) >>> 58) * SPREAD; // 6 bits: 0..63
    }

    /** Enters; returns the token to pass to {@link #exit(int)}. */
    public int enter() {
        int s = stripe();
        while (true) {
            inside.getAndIncrement(s);
            if (!paused) {
                if (TRACE) {
                    holders.put(Thread.currentThread(), new Throwable("entered here"));
                }
                return s;
            }
            inside.getAndDecrement(s);
            awaitResume();
        }
    }

    public void exit(int token) {
        if (TRACE) {
            holders.remove(Thread.currentThread());
        }
        inside.getAndDecrement(token);
    }

    private void awaitResume() {
        synchronized (monitor) {
            while (paused && !closed) {
                try {
                    monitor.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for a pause of " + what + " to end", e);
                }
            }
        }
        if (closed) {
            throw new ClosedException("store access", what + " is closed");
        }
    }

    /**
     * Stops new entries and waits until every operation inside has left. The caller must serialize
     * pauses. Returns the nanoseconds spent waiting for operations to leave.
     */
    public long pause() {
        long t0 = System.nanoTime();
        paused = true;
        int spins = 0;
        long warnAt = t0 + 5_000_000_000L;
        while (occupied()) {
            if (System.nanoTime() > warnAt) {
                warnStall(t0);
                warnAt = System.nanoTime() + 5_000_000_000L;
            }
            if (++spins < 200) {
                Thread.onSpinWait();
            } else if (spins < 400) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(20_000);
            }
        }
        return System.nanoTime() - t0;
    }

    private void warnStall(long since) {
        StringBuilder b = new StringBuilder(what).append(": pause waiting for ")
                .append((System.nanoTime() - since) / 1_000_000).append(" ms; operations inside per stripe:");
        for (int i = 0; i < STRIPES * SPREAD; i += SPREAD) {
            if (inside.get(i) != 0) {
                b.append(' ').append(i / SPREAD).append('=').append(inside.get(i));
            }
        }
        if (TRACE) {
            holders.forEach((t, where) -> {
                java.io.StringWriter w = new java.io.StringWriter();
                where.printStackTrace(new java.io.PrintWriter(w));
                b.append("\n  ").append(t).append(' ').append(t.getState()).append(' ').append(w);
            });
        }
        LOG.log(System.Logger.Level.WARNING, b.toString());
    }

    private boolean occupied() {
        for (int i = 0; i < STRIPES * SPREAD; i += SPREAD) {
            if (inside.get(i) != 0) {
                return true;
            }
        }
        return false;
    }

    public void resume() {
        if (closed) {
            return;
        }
        paused = false;
        synchronized (monitor) {
            monitor.notifyAll();
        }
    }

    /**
     * Permanently closes the gate: waiting and later entrants get {@link ClosedException}. Then waits
     * for the operations inside to leave, like {@link #pause()}.
     */
    public void close() {
        closed = true;
        synchronized (monitor) {
            monitor.notifyAll();
        }
        pause();
    }

    public boolean isClosed() {
        return closed;
    }
}
