package io.uffd4j.badinput;

import io.uffd4j.error.RangeArgumentException;
import io.uffd4j.error.UffdException;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Assertions on how bad input is refused: the exact exception, naming the operation and the range. */
final class Refusal {
    private Refusal() {}

    /**
     * {@code call} throws exactly {@code type}, whose operation is {@code operation}, whose recorded range
     * is (start, length), and whose message names the operation and the start address.
     */
    static <T extends UffdException> T assertRefused(Class<T> type, String operation, long start, long length,
                                                     Executable call) {
        T e = assertThrows(type, call);
        assertEquals(type, e.getClass(), "exactly " + type.getSimpleName());
        assertEquals(operation, e.operation(), e.getMessage());
        assertEquals(start, e.start(), e.getMessage());
        assertEquals(length, e.length(), e.getMessage());
        assertTrue(e.getMessage().contains(operation), () -> "message names " + operation + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("0x" + Long.toHexString(start)),
                () -> "message names the start 0x" + Long.toHexString(start) + ": " + e.getMessage());
        return e;
    }

    /**
     * {@code call} is refused by an argument check before any system call: exactly a
     * {@link RangeArgumentException} (an IllegalArgumentException, not the kernel's EINVAL) naming the
     * operation, the start address and the range.
     */
    static RangeArgumentException assertArgumentRefused(String operation, long start, long length, Executable call) {
        RangeArgumentException e = assertThrows(RangeArgumentException.class, call);
        assertEquals(RangeArgumentException.class, e.getClass(), "exactly RangeArgumentException");
        assertEquals(operation, e.operation(), e.getMessage());
        assertEquals(start, e.start(), e.getMessage());
        assertEquals(length, e.length(), e.getMessage());
        assertTrue(e.getMessage().contains(operation), () -> "message names " + operation + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("0x" + Long.toHexString(start)),
                () -> "message names the start 0x" + Long.toHexString(start) + ": " + e.getMessage());
        return e;
    }

    /** {@code call} throws exactly {@code type} with a message that names {@code operation} and {@code range}. */
    static <T extends Throwable> T assertRefusedNaming(Class<T> type, String operation, String range, Executable call) {
        T e = assertThrows(type, call);
        assertEquals(type, e.getClass(), "exactly " + type.getSimpleName());
        assertTrue(e.getMessage().contains(operation), () -> "message names " + operation + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(range), () -> "message names " + range + ": " + e.getMessage());
        return e;
    }
}
