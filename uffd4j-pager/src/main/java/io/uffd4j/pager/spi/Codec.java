package io.uffd4j.pager.spi;

/** Writes and reads one family of an extension's messages (usually a sealed interface of records, a tag byte first). */
public interface Codec<T> {
    void write(WireWriter out, T value);

    /** Reads a value; refuses malformed input with IllegalArgumentException only. */
    T read(WireReader in);
}
