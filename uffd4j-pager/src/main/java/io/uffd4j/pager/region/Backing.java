package io.uffd4j.pager.region;

/** What memory backs a lazy region. */
public enum Backing {
    /** Private anonymous memory; pages are placed with UFFDIO_COPY / UFFDIO_ZEROPAGE (default). */
    PRIVATE_ANONYMOUS,
    /**
     * A memfd mapped shared: the pager maps the same memfd, writes the content straight into the page
     * cache through its own mapping and maps it into the application with UFFDIO_CONTINUE (MINOR faults),
     * so no copy is made into a separate page.
     */
    SHARED_MEMFD
}
