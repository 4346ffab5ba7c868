package io.uffd4j.pager.spi;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * Reads what a {@link WireWriter} wrote, refusing anything else with {@link IllegalArgumentException}
 * (and nothing else): a truncated message, a count or length out of bounds, an unknown enum name, bytes
 * left over. The bytes come from another process; nothing read is trusted.
 */
public final class WireReader {
    /** Largest extension message (it travels inside one pager message). */
    public static final int MAX_PAYLOAD = 48 * 1024;
    /** Longest string, in UTF-8 bytes. */
    public static final int MAX_STRING = 16 * 1024;

    private final ByteBuffer in;

    private WireReader(byte[] bytes) {
        this.in = ByteBuffer.wrap(bytes);
    }

    /** Decodes {@code bytes} with {@code codec}; all of them must be read. */
    public static <T> T decode(Codec<T> codec, byte[] bytes) {
        if (bytes.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("an extension message of " + bytes.length + " bytes exceeds " + MAX_PAYLOAD);
        }
        WireReader r = new WireReader(bytes);
        T value;
        try {
            value = codec.read(r);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated extension message (" + bytes.length + " bytes)");
        }
        if (r.in.hasRemaining()) {
            throw new IllegalArgumentException(r.in.remaining() + " bytes left over after an extension message");
        }
        return value;
    }

    public int readByte() {
        return in.get() & 0xff;
    }

    public boolean readBoolean() {
        int b = readByte();
        if (b > 1) {
            throw new IllegalArgumentException("bad boolean " + b);
        }
        return b == 1;
    }

    public int readInt() {
        return in.getInt();
    }

    /** An int that must lie in [min, max]; {@code what} names it in the refusal. */
    public int readInt(String what, int min, int max) {
        int v = readInt();
        if (v < min || v > max) {
            throw new IllegalArgumentException(what + " " + v + " is out of range (accepted: " + min + " to " + max + ")");
        }
        return v;
    }

    public long readLong() {
        return in.getLong();
    }

    /** A long that must not be negative; {@code what} names it in the refusal. */
    public long readCount(String what) {
        long v = readLong();
        if (v < 0) {
            throw new IllegalArgumentException("negative " + what + " " + v);
        }
        return v;
    }

    public String readString() {
        int n = readInt("string length", 0, MAX_STRING);
        if (n > in.remaining()) {
            throw new BufferUnderflowException();
        }
        ByteBuffer slice = in.slice(in.position(), n);
        in.position(in.position() + n);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(slice).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("a string that is not UTF-8");
        }
    }

    public <E extends Enum<E>> E readEnum(Class<E> type) {
        String name = readString();
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown " + type.getSimpleName() + " '" + name + "'");
        }
    }

    /** A path (InvalidPathException, an IllegalArgumentException, for one the platform refuses). */
    public Path readPath() {
        return Path.of(readString());
    }

    public Duration readDuration() {
        return Duration.ofNanos(readCount("duration"));
    }

    public Instant readInstant() {
        long seconds = readLong();
        int nanos = readInt("nanoseconds", 0, 999_999_999);
        try {
            return Instant.ofEpochSecond(seconds, nanos);
        } catch (java.time.DateTimeException e) {
            throw new IllegalArgumentException("instant out of range: " + seconds + " s");
        }
    }

    /** Refuses an unknown tag of a sealed message family. */
    public static IllegalArgumentException unknownTag(String family, int tag) {
        return new IllegalArgumentException("unknown " + family + " tag " + tag);
    }
}
