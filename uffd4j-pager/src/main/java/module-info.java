/**
 * Lazy memory served by an out-of-process pager: {@link io.uffd4j.pager.LazyRegion} hands the
 * application an ordinary MemorySegment whose pages a separate JVM (the pager, supervised by another
 * process) fills on first touch from a {@link io.uffd4j.pager.source.PageSource}.
 */
module io.uffd4j.pager {
    requires transitive io.uffd4j.core;
    requires HdrHistogram;

    exports io.uffd4j.pager;
    exports io.uffd4j.pager.region;
    exports io.uffd4j.pager.source;
    exports io.uffd4j.pager.spi;
    // ./uffd4j pager runs the supervisor (PagerSupervisor, SupervisorConfig) in its own process as a daemon.
    exports io.uffd4j.pager.server to io.uffd4j.cli;
}
