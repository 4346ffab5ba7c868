package io.uffd4j.compact.internal;

import java.util.Arrays;

/**
 * ADAPTIVE's run-time choice between UFFDIO_COPY and UFFDIO_MOVE, per kind of page: measure both,
 * then use the faster and keep measuring the other now and then. The estimate of a method is the
 * median of its last {@value #WINDOW} measurements (nanoseconds per page), so a preemption or a
 * compilation pause in one measurement does not flip the choice. COPY is also charged for the page
 * it leaves in the from-space (freed at the end of the cycle, at the per-page cost measured last
 * cycle), because MOVE takes that page along.
 *
 * <p>One instance per producing thread (no sharing on the hot path); the store merges them into its
 * model at the end of each cycle, so later cycles start from what earlier ones learned.
 */
public final class MethodChooser {
    /** The kinds of page whose costs differ. */
    public enum Case {
        /** A page that keeps its contents (MOVE: no copy at all). */
        KEPT,
        /** A compacted page produced ahead of the users. */
        BUILT,
        /** A compacted page produced because a user touched it first. */
        FAULT_BUILT,
        /** A page past the compacted data that a user's new record touches. */
        FRESH
    }

    /** How a page is installed. */
    public enum Method {
        COPY,
        MOVE;

        Method other() {
            return this == COPY ? MOVE : COPY;
        }
    }

    static final int WINDOW = 16;
    static final int WARMUP = 4;
    static final int EXPLORE_EVERY = 32;
    private static final int SLOTS = Case.values().length * 2;

    private final double[][] recent = new double[SLOTS][WINDOW];
    private final long[] samples = new long[SLOTS];
    private final double[] estimate = new double[SLOTS];
    private final long[] chosen = new long[SLOTS];
    private final long[] decisions = new long[Case.values().length];
    private final double[] scratch = new double[WINDOW];
    private double copyReleasePenalty;

    public MethodChooser() {}

    /** A chooser starting from what {@code model} learned. */
    public MethodChooser(MethodChooser model) {
        synchronized (model) {
            for (int k = 0; k < SLOTS; k++) {
                System.arraycopy(model.recent[k], 0, recent[k], 0, WINDOW);
                samples[k] = Math.min(model.samples[k], WINDOW);
                estimate[k] = model.estimate[k];
            }
            copyReleasePenalty = model.copyReleasePenalty;
        }
    }

    public Method choose(Case c) {
        long sc = samples[slot(c, Method.COPY)];
        long sm = samples[slot(c, Method.MOVE)];
        Method pick;
        if (sc < WARMUP || sm < WARMUP) {
            pick = sc <= sm ? Method.COPY : Method.MOVE;
        } else {
            Method best = estimate[slot(c, Method.MOVE)] <= estimate[slot(c, Method.COPY)] + copyReleasePenalty
                    ? Method.MOVE : Method.COPY;
            pick = ++decisions[c.ordinal()] % EXPLORE_EVERY == 0 ? best.other() : best;
        }
        chosen[slot(c, pick)]++;
        return pick;
    }

    public void record(Case c, Method method, long nanos, int pages) {
        add(slot(c, method), (double) nanos / Math.max(1, pages));
    }

    private static int slot(Case c, Method m) {
        return c.ordinal() * 2 + m.ordinal();
    }

    private void add(int k, double perPage) {
        long n = samples[k];
        recent[k][(int) (n % WINDOW)] = perPage;
        samples[k] = n + 1;
        int have = (int) Math.min(n + 1, WINDOW);
        System.arraycopy(recent[k], 0, scratch, 0, have);
        Arrays.sort(scratch, 0, have);
        estimate[k] = have % 2 == 1 ? scratch[have / 2] : (scratch[have / 2 - 1] + scratch[have / 2]) / 2;
    }

    /** Folds another chooser's latest measurements into this one. */
    public synchronized void merge(MethodChooser other) {
        for (int k = 0; k < SLOTS; k++) {
            long n = other.samples[k];
            int have = (int) Math.min(n, WINDOW);
            for (int i = have; i > 0; i--) {
                add(k, other.recent[k][(int) ((n - i) % WINDOW)]);
            }
            chosen[k] += other.chosen[k];
        }
    }

    /** Sets the cost per page of freeing the from-space (measured when the last cycle released it). */
    public synchronized void releasePenalty(double nanosPerPage) {
        copyReleasePenalty = nanosPerPage;
    }

    public synchronized double releasePenalty() {
        return copyReleasePenalty;
    }

    /** The current estimate (median of the recent measurements), nanoseconds per page; 0 if none. */
    public synchronized double estimate(Case c, Method method) {
        return estimate[slot(c, method)];
    }

    public synchronized long timesChosen(Case c, Method method) {
        return chosen[slot(c, method)];
    }
}
