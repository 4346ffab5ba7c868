package io.uffd4j.pager.spi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * Writes an extension's message with the pager's wire primitives (big-endian numbers, length-prefixed
 * UTF-8 strings, enums by name). Read back with {@link WireReader} in the same order.
 */
public final class WireWriter {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);

    /** The bytes of {@code value} as {@code codec} writes it. */
    public static <T> byte[] encode(Codec<T> codec, T value) {
        WireWriter out = new WireWriter();
        codec.write(out, value);
        if (out.bytes.size() > WireReader.MAX_PAYLOAD) {
            throw new IllegalArgumentException("an extension message of " + out.bytes.size() + " bytes exceeds "
                    + WireReader.MAX_PAYLOAD);
        }
        return out.bytes.toByteArray();
    }

    public WireWriter writeByte(int v) {
        bytes.write(v);
        return this;
    }

    public WireWriter writeBoolean(boolean v) {
        return writeByte(v ? 1 : 0);
    }

    public WireWriter writeInt(int v) {
        for (int shift = 24; shift >= 0; shift -= 8) {
            bytes.write(v >>> shift);
        }
        return this;
    }

    public WireWriter writeLong(long v) {
        writeInt((int) (v >>> 32));
        return writeInt((int) v);
    }

    /** A string of at most {@link WireReader#MAX_STRING} UTF-8 bytes (longer ones are clipped, marked with "..."). */
    public WireWriter writeString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > WireReader.MAX_STRING) {
            String clipped = s.substring(0, Math.min(s.length(), WireReader.MAX_STRING / 4 - 3)) + "...";
            b = clipped.getBytes(StandardCharsets.UTF_8);
        }
        writeInt(b.length);
        bytes.writeBytes(b);
        return this;
    }

    public WireWriter writeEnum(Enum<?> e) {
        return writeString(e.name());
    }

    public WireWriter writePath(Path p) {
        String s = p.toString();
        if (s.getBytes(StandardCharsets.UTF_8).length > WireReader.MAX_STRING) {
            throw new IllegalArgumentException("path too long for the pager protocol: " + s.length() + " characters");
        }
        return writeString(s);
    }

    /** A non-negative duration, in nanoseconds. */
    public WireWriter writeDuration(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative duration " + d);
        }
        return writeLong(d.toNanos());
    }

    public WireWriter writeInstant(Instant t) {
        writeLong(t.getEpochSecond());
        return writeInt(t.getNano());
    }
}
