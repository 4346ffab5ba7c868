package io.uffd4j.mm;

/**
 * Raw access to a mapping was refused because a fault handler in this JVM serves it. Use the guarded
 * accessor ({@code io.uffd4j.serve.GuardedMemory}), serve the range from another process, or opt out
 * with {@link Mapping#unguardedSegment(UnguardedAccess)}.
 */
public final class UnguardedAccessException extends IllegalStateException {
    public UnguardedAccessException(String message) {
        super(message);
    }
}
