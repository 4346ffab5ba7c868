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

    // Native-state memcpy for the compacting store's user accesses (its region is touched only in native code).
    exports io.uffd4j.internal.ffm to io.uffd4j.compact;

}
