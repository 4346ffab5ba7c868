package io.uffd4j.compact;

/**
 * Where a live record is stored (for tests and tools that compare layouts).
 *
 * @param id     the record
 * @param offset its offset in the region
 * @param length its length
 */
public record RecordLocation(RecordId id, long offset, int length) {
}
