package io.uffd4j.snapshot.image;

/** The image has no completion marker: its snapshot was interrupted, so it must not be restored. */
public final class IncompleteImageException extends CorruptImageException {
    public IncompleteImageException(String message) {
        super(message);
    }
}
