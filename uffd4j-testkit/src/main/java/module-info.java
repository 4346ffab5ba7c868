/**
 * uffd4j test kit: what the tests of every module share (child JVM runs with deadlines under a chosen
 * collector, the GC storm, stamped writers whose snapshots prove themselves). Not a library: only tests,
 * and {@code ./uffd4j snapshot}, which shows that proof, use it.
 */
module io.uffd4j.testkit {
    exports io.uffd4j.testkit;
}
