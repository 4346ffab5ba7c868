package io.uffd4j.snapshot;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * A snapshot whose instant has passed: the region's contents at {@link #instant()} are fixed, and the
 * image is being written while the application runs on.
 *
 * @param path       the image file (complete once {@link #completion()} completes)
 * @param instant    when the region was write-protected
 * @param pause      how long the application was stopped for the instant (zero with {@link Quiesce#CALLER})
 * @param completion completes with the image, or exceptionally if the snapshot was abandoned (disk full,
 *                   pager restart, pages dropped before they were saved)
 */
public record TakenSnapshot(Path path, Instant instant, Duration pause, CompletableFuture<SnapshotResult> completion) {}
