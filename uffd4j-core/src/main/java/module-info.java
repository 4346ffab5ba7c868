/**
 * uffd4j core: the userfaultfd binding (typed ioctls, events, features), memory and descriptor
 * plumbing around it, and the in-process fault server with guarded (native-state) access.
 * All restricted FFM code lives in {@code io.uffd4j.internal.ffm}.
 */
module io.uffd4j.core {
    requires transitive jdk.jfr;
    requires HdrHistogram;

    exports io.uffd4j;
    exports io.uffd4j.error;
    exports io.uffd4j.event;
    exports io.uffd4j.mm;
    exports io.uffd4j.ipc;
    exports io.uffd4j.serve;
    exports io.uffd4j.probe;
    // ChildJvm starts the out-of-process pager with this JVM's module setup; ChildRun runs the
    // GC-storm workloads of every module's tests in child JVMs.
    exports io.uffd4j.internal to io.uffd4j.pager, io.uffd4j.snapshot, io.uffd4j.cli, io.uffd4j.compact;
}
