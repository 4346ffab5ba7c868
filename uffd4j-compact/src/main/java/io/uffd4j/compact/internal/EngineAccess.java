package io.uffd4j.compact.internal;

import java.util.function.Function;

/**
 * Gives this module's tools (the benchmark) the engine behind a public store without making it public
 * API: the store installs the accessor once (the JDK's SharedSecrets pattern); the package is not
 * exported.
 */
public final class EngineAccess {
    private static volatile Function<Object, StoreEngine> accessor;

    private EngineAccess() {}

    public static void install(Function<Object, StoreEngine> a) {
        accessor = a;
    }

    public static StoreEngine engine(Object store) {
        Function<Object, StoreEngine> a = accessor;
        if (a == null) {
            throw new IllegalStateException("CompactingStore has not been initialized");
        }
        return a.apply(store);
    }
}
