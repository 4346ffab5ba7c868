package io.uffd4j.compact.internal;

import io.uffd4j.compact.CycleReport;
import io.uffd4j.compact.Strategy;

import java.util.concurrent.CompletableFuture;

/** A cycle whose start pause is over. */
public record StartedCycle(int number, Strategy strategy, long startPauseNanos, CompletableFuture<CycleReport> result) {
}
