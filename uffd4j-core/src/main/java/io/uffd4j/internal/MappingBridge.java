package io.uffd4j.internal;

import io.uffd4j.mm.Mapping;

/**
 * Lets the fault server switch a {@link Mapping} into and out of guarded mode without making that
 * switch public API (the JDK's SharedSecrets pattern). Set once by Mapping's static initializer.
 */
public final class MappingBridge {
    private MappingBridge() {}

    public interface Ops {
        /** The mapping is now served by a handler in this JVM: raw segments are refused and invalidated. */
        void enterServedInProcess(Mapping mapping);

        void leaveServedInProcess(Mapping mapping);
    }

    private static volatile Ops ops;

    public static void install(Ops o) {
        ops = o;
    }

    public static Ops ops() {
        Ops o = ops;
        if (o == null) {
            throw new IllegalStateException("Mapping has not been initialized");
        }
        return o;
    }
}
