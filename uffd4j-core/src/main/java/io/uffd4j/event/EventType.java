package io.uffd4j.event;

/** The {@code event} byte of a uffd_msg. */
public enum EventType {
    PAGEFAULT(0x12),
    FORK(0x13),
    REMAP(0x14),
    REMOVE(0x15),
    UNMAP(0x16),
    /** A message type this version of uffd4j does not know. */
    UNKNOWN(-1);

    private final int code;

    EventType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static EventType of(int code) {
        return switch (code) {
            case 0x12 -> PAGEFAULT;
            case 0x13 -> FORK;
            case 0x14 -> REMAP;
            case 0x15 -> REMOVE;
            case 0x16 -> UNMAP;
            default -> UNKNOWN;
        };
    }
}
