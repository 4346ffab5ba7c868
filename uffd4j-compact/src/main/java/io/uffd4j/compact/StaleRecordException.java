package io.uffd4j.compact;

/** The record was freed (its handle is stale), or the handle never belonged to this store. */
public final class StaleRecordException extends RuntimeException {
    private final RecordId id;

    public StaleRecordException(RecordId id, String message) {
        super(message);
        this.id = id;
    }

    public RecordId id() {
        return id;
    }
}
