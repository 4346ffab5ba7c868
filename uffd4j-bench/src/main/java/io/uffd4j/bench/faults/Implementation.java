package io.uffd4j.bench.faults;

import com.fasterxml.jackson.annotation.JsonValue;

/** Who handles the faults and how the faulting thread reaches memory. */
public enum Implementation {
    /** The C reference: a pthread handler and plain loads/stores. */
    C("c", "C reference"),
    /** uffd4j FaultServer; the faulting thread uses GuardedMemory in DIRECT mode (one memcpy downcall per access). */
    JAVA_DIRECT("java-direct", "Java (GuardedMemory DIRECT)"),
    /** uffd4j FaultServer; GuardedMemory in CHECKED mode (process_vm_readv/writev per access). */
    JAVA_CHECKED("java-checked", "Java (GuardedMemory CHECKED)"),
    /** Floor only: plain MemorySegment access to unregistered memory, what a user without uffd writes. */
    JAVA_SEGMENT("java-segment", "Java (plain MemorySegment)");

    private final String key;
    private final String label;

    Implementation(String key, String label) {
        this.key = key;
        this.label = label;
    }

    @JsonValue
    public String key() {
        return key;
    }

    public String label() {
        return label;
    }
}
