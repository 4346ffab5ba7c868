package io.uffd4j;

/**
 * A flag of a resolving ioctl's {@code mode} field, implemented by one enum per ioctl so that a copy
 * flag cannot be passed to a move. In every such enum the constants are declared in bit order, so a
 * flag's bit is {@code 1 << ordinal} (checked against the uapi values by the tests).
 */
public sealed interface ModeFlag permits CopyMode, ZeroPageMode, WriteProtectMode, ContinueMode, PoisonMode, MoveMode {
    /** The flag's bit in the ioctl's mode field. */
    default long bit() {
        return 1L << ((Enum<?>) this).ordinal();
    }
}
