package io.uffd4j.pager.spi;

import io.uffd4j.Resolver;

/**
 * Code that runs inside the pager worker beside one region's server, created there by class name on
 * the application's first request (a public constructor taking a {@link RegionContext}). This is how
 * components built on lazy regions (live snapshots) act where the faults are served, outside the
 * application JVM's safepoints.
 *
 * <p>An extension speaks its own typed {@link ExtensionProtocol}: the application sends a request
 * record {@code Q} ({@code LazyRegion.extensionRequest}), the worker decodes it with the extension's
 * codec and answers with a reply record {@code R}; later news goes out as events {@code E}
 * ({@link RegionContext#post}). The pager only carries the bytes.
 *
 * <p>An extension dies with its worker: after a pager restart the application is told (event "lost")
 * and its requests start a new instance.
 */
public interface RegionExtension<Q, R, E> extends AutoCloseable {
    /** The extension's messages and their codecs; its {@code extensionClass} is this class's name. */
    ExtensionProtocol<Q, R, E> protocol();

    /**
     * Runs an application request on the worker's extension thread and returns its result. May take a
     * while (e.g. quiescing the application), but long work belongs on the extension's own threads,
     * reporting with {@link RegionContext#post}.
     *
     * @throws Exception reported to the application as the request's failure
     */
    R request(Q request) throws Exception;

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
