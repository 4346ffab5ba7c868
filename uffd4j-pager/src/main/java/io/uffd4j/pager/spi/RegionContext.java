package io.uffd4j.pager.spi;

import io.uffd4j.Userfaultfd;
import io.uffd4j.pager.source.PageSource;

import java.lang.foreign.MemorySegment;
import java.util.Optional;

/** What a {@link RegionExtension} may use of the region the pager serves. */
public interface RegionContext {
    long regionId();

    /** Address of the region in the application's address space. */
    long start();

    long length();

    long pageSize();

    /** The application process that owns the region's memory. */
    int applicationPid();

    /** Whether the region is a shared memfd (pages live in the page cache). */
    boolean shared();

    /** The pager's own mapping of a shared region's memfd, or null for private anonymous regions. */
    MemorySegment sharedView();

    /**
     * The region's userfaultfd: synchronous write-protect, registered MISSING|WP (plus MINOR for shared
     * regions) when the region was opened write-protectable.
     */
    Userfaultfd userfaultfd();

    /**
     * The second descriptor, with WP_ASYNC, for dirty tracking (regions opened with tracking). Only one of
     * the two is registered at a time; the server reads both.
     */
    Optional<Userfaultfd> trackingUserfaultfd();

    /** How the region is registered (MISSING unless it is ordinary memory, MINOR for shared, WP). */
    java.util.Set<io.uffd4j.RegisterMode> registerModes();

    /** Where the region's pages come from. */
    PageSource source();

    /**
     * Routes write-protect faults of the region to {@code extension} (null: back to the default, which
     * unprotects and wakes).
     */
    void handleWriteProtectFaults(RegionExtension<?, ?, ?> extension);

    /**
     * Whether pages the pager fills from now on are mapped write-protected (COPY and CONTINUE with their
     * WP mode, zero pages copied rather than mapped with ZEROPAGE), so that a later write to them faults
     * (synchronous WP) or is recorded as written (WP_ASYNC).
     */
    void protectFills(boolean on);

    /**
     * Tells the server which descriptor the range is registered with after the extension moved it (the
     * server resolves faults, fills pages and wakes threads through that descriptor).
     */
    void registeredWith(Userfaultfd descriptor);

    /** Sends an event of {@code protocol} to the application that owns the region. Thread-safe. */
    <E> void post(ExtensionProtocol<?, ?, E> protocol, E event);
}
