/**
 * uffd4j-compact: an off-heap store of variable-size records in one private region that defragments
 * itself concurrently with its users, driven by userfaultfd (COPY, MOVE, CONTINUE, or ADAPTIVE).
 * Users touch the region only through the store, which copies in native state, so the in-process
 * fault server can never deadlock a safepoint (docs/compaction.md).
 */
module io.uffd4j.compact {
    requires transitive io.uffd4j.core;

    exports io.uffd4j.compact;
    // The benchmark runs the C reference on a store's plan (EngineAccess, Plan); not public API.
    exports io.uffd4j.compact.internal to io.uffd4j.bench;
}
