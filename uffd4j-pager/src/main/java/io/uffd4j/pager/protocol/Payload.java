package io.uffd4j.pager.protocol;

import java.util.Arrays;
import java.util.HexFormat;

/** The encoded bytes of an extension's message, which the pager carries without reading (compared by content). */
public record Payload(byte[] bytes) {
    public static final Payload EMPTY = new Payload(new byte[0]);

    public Payload {
        bytes = bytes.clone();
    }

    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Payload p && Arrays.equals(bytes, p.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "Payload[" + bytes.length + " bytes: " + HexFormat.of().formatHex(bytes, 0, Math.min(bytes.length, 32))
                + (bytes.length > 32 ? "...]" : "]");
    }
}
