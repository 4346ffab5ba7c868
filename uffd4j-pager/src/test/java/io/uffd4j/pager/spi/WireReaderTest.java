package io.uffd4j.pager.spi;

import io.uffd4j.pager.region.Prefetch;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wire primitives extensions encode their records with: each type survives a round trip, and each
 * bound is enforced on reading with an IllegalArgumentException that says what was wrong.
 */
class WireReaderTest {
    record Sample(long count, int small, boolean flag, String text, Prefetch policy, Path path, Duration took, Instant at) {}

    static final Codec<Sample> SAMPLES = new Codec<>() {
        @Override
        public void write(WireWriter out, Sample s) {
            out.writeLong(s.count()).writeInt(s.small()).writeBoolean(s.flag()).writeString(s.text()).writeEnum(s.policy())
                    .writePath(s.path()).writeDuration(s.took()).writeInstant(s.at());
        }

        @Override
        public Sample read(WireReader in) {
            return new Sample(in.readCount("count"), in.readInt("small", 0, 10), in.readBoolean(), in.readString(),
                    in.readEnum(Prefetch.class), in.readPath(), in.readDuration(), in.readInstant());
        }
    };

    static final Sample SAMPLE = new Sample(1L << 40, 7, true, "héllo ✓", Prefetch.REPLAY, Path.of("/tmp/a b"),
            Duration.ofNanos(123_456_789), Instant.ofEpochSecond(1_700_000_000L, 999_999_999));

    @Test
    void everyPrimitiveSurvivesARoundTrip() {
        assertEquals(SAMPLE, WireReader.decode(SAMPLES, WireWriter.encode(SAMPLES, SAMPLE)));
    }

    @Test
    void boundsAreEnforcedWhenReading() {
        byte[] good = WireWriter.encode(SAMPLES, SAMPLE);
        assertRefused("negative count -1", patchLong(good, 0, -1));
        assertRefused("small 11 is out of range (accepted: 0 to 10)", patchInt(good, 8, 11));
        byte[] badBoolean = good.clone();
        badBoolean[12] = 2;
        assertRefused("bad boolean 2", badBoolean);
        assertRefused("string length 16385 is out of range (accepted: 0 to 16384)", patchInt(good, 13, 16385));
        assertRefused("truncated extension message", patchInt(good, 13, 1000));
        assertRefused("truncated extension message", java.util.Arrays.copyOf(good, good.length - 1));
        assertRefused("1 bytes left over", java.util.Arrays.copyOf(good, good.length + 1));
        byte[] notUtf8 = good.clone();
        notUtf8[17] = (byte) 0xff;
        assertRefused("not UTF-8", notUtf8);
        String s = new String(good, java.nio.charset.StandardCharsets.ISO_8859_1).replace("REPLAY", "REPLAX");
        assertRefused("unknown Prefetch 'REPLAX'", s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertRefused("nanoseconds 1000000000 is out of range", patchInt(good, good.length - 4, 1_000_000_000));
        assertRefused("exceeds " + WireReader.MAX_PAYLOAD, new byte[WireReader.MAX_PAYLOAD + 1]);
        assertRefused("unknown snapshot request tag 9", null);
    }

    @Test
    void theWriterRefusesWhatTheReaderWould() {
        Sample negative = new Sample(1, 1, false, "", Prefetch.NONE, Path.of("/"), Duration.ofNanos(-1), Instant.EPOCH);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WireWriter.encode(SAMPLES, negative));
        assertTrue(e.getMessage().contains("negative duration"), e.getMessage());
        Codec<String> big = new Codec<>() {
            @Override
            public void write(WireWriter out, String v) {
                for (int i = 0; i < 4; i++) {
                    out.writeString(v);
                }
            }

            @Override
            public String read(WireReader in) {
                return in.readString();
            }
        };
        e = assertThrows(IllegalArgumentException.class, () -> WireWriter.encode(big, "x".repeat(16_000)));
        assertTrue(e.getMessage().contains("exceeds " + WireReader.MAX_PAYLOAD), e.getMessage());
        // A string longer than the bound is clipped, not refused: messages carry reasons of any length.
        assertTrue(WireReader.decode(big, WireWriter.encode(new Codec<String>() {
            @Override
            public void write(WireWriter out, String v) {
                out.writeString(v);
            }

            @Override
            public String read(WireReader in) {
                return in.readString();
            }
        }, "y".repeat(20_000))).endsWith("..."));
    }

    private static void assertRefused(String expected, byte[] bytes) {
        if (bytes == null) {
            IllegalArgumentException e = WireReader.unknownTag("snapshot request", 9);
            assertEquals(expected, e.getMessage());
            return;
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WireReader.decode(SAMPLES, bytes));
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    private static byte[] patchLong(byte[] b, int at, long v) {
        byte[] c = b.clone();
        java.nio.ByteBuffer.wrap(c).putLong(at, v);
        return c;
    }

    private static byte[] patchInt(byte[] b, int at, int v) {
        byte[] c = b.clone();
        java.nio.ByteBuffer.wrap(c).putInt(at, v);
        return c;
    }
}
