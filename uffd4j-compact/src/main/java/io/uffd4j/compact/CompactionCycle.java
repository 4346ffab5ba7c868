package io.uffd4j.compact;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A compaction cycle that has started: its start pause is over, users run, pages are being produced.
 */
public final class CompactionCycle {
    private final int number;
    private final Strategy strategy;
    private final long startPauseNanos;
    private final CompletableFuture<CycleReport> result;

    CompactionCycle(int number, Strategy strategy, long startPauseNanos, CompletableFuture<CycleReport> result) {
        this.number = number;
        this.strategy = strategy;
        this.startPauseNanos = startPauseNanos;
        this.result = result;
    }

    public int number() {
        return number;
    }

    public Strategy strategy() {
        return strategy;
    }

    /** How long users were held by the pause that started the cycle. */
    public Duration startPause() {
        return Duration.ofNanos(startPauseNanos);
    }

    public boolean isDone() {
        return result.isDone();
    }

    /** Waits for the end of the cycle (or for the store to close, then the report says not completed). */
    public CycleReport await() throws InterruptedException {
        try {
            return result.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("compaction cycle " + number + " failed", e.getCause());
        }
    }

    public CycleReport await(Duration timeout) throws InterruptedException, TimeoutException {
        try {
            return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("compaction cycle " + number + " failed", e.getCause());
        }
    }

    @Override
    public String toString() {
        return "CompactionCycle[" + number + ", " + strategy + (isDone() ? ", done" : ", running") + "]";
    }
}
