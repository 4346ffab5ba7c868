package io.uffd4j.snapshot.worker;

import java.util.Map;

/** The quiesce argument of a snapshot request, as the worker reads it. */
enum Quiescing {
    STOP,
    NONE;

    boolean stops() {
        return this == STOP;
    }

    static Quiescing of(Map<String, String> args) {
        return valueOf(args.getOrDefault("quiesce", "STOP"));
    }
}
