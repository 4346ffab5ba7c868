package io.uffd4j.internal.ffm;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The only place where raw addresses become sized MemorySegments ({@code reinterpret} is restricted).
 */
public final class NativeMemory {
    private NativeMemory() {}

    /** A segment of {@code size} bytes at {@code address}, valid while {@code arena} is alive. */
    public static MemorySegment segment(long address, long size, Arena arena) {
        return MemorySegment.ofAddress(address).reinterpret(size, arena, null);
    }

    /** A segment of {@code size} bytes at {@code address} whose lifetime the caller manages. */
    public static MemorySegment segment(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }

    /** A NUL-terminated UTF-8 copy of {@code s} in {@code arena}. */
    public static MemorySegment cString(Arena arena, String s) {
        return arena.allocateFrom(s, StandardCharsets.UTF_8);
    }
}
