package io.uffd4j.pager.spi;

import io.uffd4j.Resolver;

import java.util.Map;

/**
 * Code that runs inside the pager worker beside one region's server, created there by class name on
 * the application's first request (a public constructor taking a {@link RegionContext}). This is how
 * components built on lazy regions (live snapshots) act where the faults are served, outside the
 * application JVM's safepoints.
 *
 * <p>An extension dies with its worker: after a pager restart the application is told (event "lost")
 * and its requests start a new instance.
 */
public interface RegionExtension extends AutoCloseable {
    /**
     * Runs an application request on the worker's extension thread and returns its result. May take a
     * while (e.g. quiescing the application), but long work belongs on the extension's own threads,
     * reporting with {@link RegionContext#post}.
     *
     * @throws Exception reported to the application as the request's failure
     */
    Map<String, String> request(String operation, Map<String, String> arguments) throws Exception;

    /**
     * A write fault on a write-protected page, on the region's server thread, while this extension
     * handles write-protect faults ({@link RegionContext#handleWriteProtectFaults}). Return true when
     * resolved (the page is unprotected and its waiters woken), false when another thread will wake it.
     * Must not block.
     */
    default boolean onWriteProtectFault(long address, Resolver resolver) {
        return false;
    }

    /** The application dropped or unmapped [start, end) of the region (on the server thread). */
    default void onRemoved(long start, long end) {}

    /** The region is closing or the worker is stopping. */
    @Override
    void close();
}
