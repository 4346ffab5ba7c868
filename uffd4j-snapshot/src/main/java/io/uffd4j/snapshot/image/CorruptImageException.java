package io.uffd4j.snapshot.image;

import java.io.IOException;

/** The file is not a valid image, or a page failed its checksum. */
public class CorruptImageException extends IOException {
    public CorruptImageException(String message) {
        super(message);
    }
}
