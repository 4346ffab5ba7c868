package io.uffd4j.internal;

/**
 * Lets the fault server switch a mapping into and out of guarded mode without making that switch
 * public API (the JDK's SharedSecrets pattern). Installed once by the mapping class's static
 * initializer. Generic in the mapping type so that this low-level package does not depend on
 * {@code io.uffd4j.mm}: the caller names the type ({@code MappingBridge.<Mapping>ops()}).
 */
public final class MappingBridge {
    private MappingBridge() {}

    public interface Ops<M> {
        /** The mapping is now served by a handler in this JVM: raw segments are refused and invalidated. */
        void enterServedInProcess(M mapping);

        void leaveServedInProcess(M mapping);
    }

    private static volatile Ops<?> ops;

    public static <M> void install(Ops<M> o) {
        ops = o;
    }

    /** The installed operations; {@code M} must be the type that installed them. */
    @SuppressWarnings("unchecked")
    public static <M> Ops<M> ops() {
        Ops<?> o = ops;
        if (o == null) {
            throw new IllegalStateException("the mapping class has not been initialized");
        }
        return (Ops<M>) o;
    }
}
