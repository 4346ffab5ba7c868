/**
 * uffd4j-compact: an off-heap store of variable-size records in one private region that defragments
 * itself concurrently with its users, driven by userfaultfd (COPY, MOVE, CONTINUE, or ADAPTIVE).
 * Users touch the region only through the store, which copies in native state, so the in-process
 * fault server can never deadlock a safepoint (docs/compaction.md).
 */
module io.uffd4j.compact {
    requires transitive io.uffd4j.core;
    requires HdrHistogram;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires org.knowm.xchart;
    requires java.desktop;

    exports io.uffd4j.compact;
    exports io.uffd4j.compact.bench;

    opens io.uffd4j.compact.bench to info.picocli, com.fasterxml.jackson.databind;
}
