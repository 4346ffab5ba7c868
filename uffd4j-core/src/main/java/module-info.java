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
    // ChildJvm: the pager starts its processes with this JVM's module setup, and ./uffd4j demo restores a
    // snapshot in a new JVM. (Tests of other modules that hand ChildJvm::command to the test kit get the
    // package with --add-exports in their pom.)
    exports io.uffd4j.internal to io.uffd4j.pager, io.uffd4j.cli;
}
