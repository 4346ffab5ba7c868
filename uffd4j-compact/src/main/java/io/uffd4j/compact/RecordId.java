package io.uffd4j.compact;

/**
 * The stable handle of a record in a {@link CompactingStore}. It stays valid while the record moves
 * during compaction (the store keeps an indirection table outside the compacted region) and becomes
 * stale when the record is freed: the slot may be reused, but with another generation.
 *
 * @param slot       index in the store's record table
 * @param generation incremented each time the slot is freed
 */
public record RecordId(int slot, int generation) {
    @Override
    public String toString() {
        return "record#" + slot + "." + generation;
    }
}
