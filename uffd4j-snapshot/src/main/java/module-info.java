/**
 * uffd4j snapshots: point-in-time images of running regions taken with userfaultfd write-protect
 * (no fork()), the image format with per-page checksums and a completion marker, and incremental
 * snapshots found with WP_ASYNC and PAGEMAP_SCAN.
 */
module io.uffd4j.snapshot {
    requires transitive io.uffd4j.core;
    requires transitive io.uffd4j.pager;

    exports io.uffd4j.snapshot.image;
    exports io.uffd4j.snapshot.live;
    exports io.uffd4j.snapshot;
    // created by class name inside the pager worker
    exports io.uffd4j.snapshot.worker;
}
