package io.uffd4j.pager.server;

import io.uffd4j.pager.spi.RegionExtension;

/** What an extension switches on a served region while it runs; read by the region's server thread. */
final class RegionControls {
    /** Where write-protect faults go (an extension), or null: unprotect and wake. */
    volatile RegionExtension<?, ?, ?> writeProtectHandler;
    /** Fill pages write-protected (COPY/CONTINUE with WP), so that writes to them are caught. */
    volatile boolean protectFills;
    /** The range is registered with the tracking descriptor rather than the main one. */
    volatile boolean trackingActive;

    void reset() {
        trackingActive = false;
        writeProtectHandler = null;
        protectFills = false;
    }
}
