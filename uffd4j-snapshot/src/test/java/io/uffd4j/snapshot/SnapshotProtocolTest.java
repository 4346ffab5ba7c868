package io.uffd4j.snapshot;

import io.uffd4j.pager.spi.Codec;
import io.uffd4j.pager.spi.ExtensionProtocol;
import io.uffd4j.pager.spi.WireReader;
import io.uffd4j.pager.spi.WireWriter;
import io.uffd4j.snapshot.image.ImageKind;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The snapshot extension's typed messages on the pager's wire: every request, reply and event survives a
 * round trip; truncated, corrupted and random bytes (what the worker or a stranger on the socket may send)
 * are refused with IllegalArgumentException and nothing else.
 */
class SnapshotProtocolTest {
    private static final ExtensionProtocol<SnapshotRequest, SnapshotReply, SnapshotEvent> P = SnapshotProtocol.PROTOCOL;
    private static final SnapshotResult RESULT = new SnapshotResult(Path.of("/tmp/s0.u4snap"), ImageKind.FULL, 1, 2, 3, 4, 5,
            6, 7, 8, 9, "saver done at 3 ms", 10);

    static List<SnapshotRequest> requests() {
        return List.of(new SnapshotRequest.Full(Path.of("/tmp/a.u4snap"), 64L << 20, 64, Quiesce.STOP_PROCESS),
                new SnapshotRequest.Delta(Path.of("/tmp/b.u4snap"), Quiesce.NONE), new SnapshotRequest.Status());
    }

    static List<SnapshotReply> replies() {
        return List.of(
                new SnapshotReply.InstantTaken(Instant.ofEpochSecond(1_700_000_000L, 123), Duration.ofMillis(3),
                        Duration.ofMillis(1), Duration.ZERO, Duration.ofNanos(5), Duration.ofNanos(7000)),
                new SnapshotReply.DeltaWritten(RESULT, Duration.ofMillis(2), Duration.ofNanos(1), Duration.ofNanos(2),
                        Duration.ofNanos(3), Duration.ofNanos(4), 17),
                new SnapshotReply.Status(SnapshotReply.RegionState.SNAPSHOTTING, Optional.of(Path.of("/tmp/x")), 1, 2, 3, 4),
                new SnapshotReply.Status(SnapshotReply.RegionState.IDLE, Optional.empty(), 0, 0, 0, 0));
    }

    static List<SnapshotEvent> events() {
        return List.of(new SnapshotEvent.Done(RESULT, SnapshotEvent.Tracking.FAILED, "EBUSY"),
                new SnapshotEvent.Done(RESULT, SnapshotEvent.Tracking.ON, ""),
                new SnapshotEvent.Failed(Path.of("/tmp/c.u4snap"), "disk full"));
    }

    @Test
    void everyMessageSurvivesARoundTrip() {
        // One of each kind: a new record must be added here (the sealed interfaces list them).
        assertEquals(SnapshotRequest.class.getPermittedSubclasses().length, requests().size());
        assertEquals(SnapshotReply.class.getPermittedSubclasses().length, replies().stream().map(Object::getClass).distinct().count());
        assertEquals(SnapshotEvent.class.getPermittedSubclasses().length, events().stream().map(Object::getClass).distinct().count());
        requests().forEach(m -> assertEquals(m, P.decodeRequest(P.encodeRequest(m))));
        replies().forEach(m -> assertEquals(m, P.decodeReply(P.encodeReply(m))));
        events().forEach(m -> assertEquals(m, P.decodeEvent(P.encodeEvent(m))));
    }

    @Test
    void outOfRangeFieldsAreRefusedWithSpecificMessages() {
        byte[] full = P.encodeRequest(new SnapshotRequest.Full(Path.of("/tmp/a"), 64L << 20, 64, Quiesce.NONE));
        byte[] badRun = full.clone();
        // runPages is the int before the quiesce name (an int length + "NONE").
        int runAt = badRun.length - 4 - 4 - 4;
        badRun[runAt + 3] = 0;
        badRun[runAt + 2] = 0;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> P.decodeRequest(badRun));
        assertTrue(e.getMessage().contains("runPages 0 is out of range"), e.getMessage());

        byte[] longer = Arrays.copyOf(full, full.length + 1);
        e = assertThrows(IllegalArgumentException.class, () -> P.decodeRequest(longer));
        assertTrue(e.getMessage().contains("1 bytes left over"), e.getMessage());

        byte[] relative = WireWriter.encode(rawPath(), "relative.u4snap");
        e = assertThrows(IllegalArgumentException.class, () -> P.decodeRequest(relative));
        assertTrue(e.getMessage().contains("must be an absolute path: relative.u4snap"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> P.decodeRequest(new byte[] {9}));
        assertEquals("unknown snapshot request tag 9", e.getMessage());
    }

    /** A delta request with any path string (the application side refuses a relative one before sending). */
    private static Codec<String> rawPath() {
        return new Codec<>() {
            @Override
            public void write(WireWriter out, String value) {
                out.writeByte(2).writeString(value).writeEnum(Quiesce.NONE);
            }

            @Override
            public String read(WireReader in) {
                throw new UnsupportedOperationException();
            }
        };
    }

    @Test
    void corruptedTruncatedAndRandomBytesAreRefusedCleanly() {
        long seed = Long.getLong("uffd4j.seed", System.nanoTime());
        Random rnd = new Random(seed);
        int refused = 0;
        for (byte[] good : encodedSamples()) {
            for (int cut = 0; cut < good.length; cut++) {
                refused += refusedOrDecoded(Arrays.copyOf(good, cut), seed) ? 1 : 0;
            }
            for (int k = 0; k < 2000; k++) {
                byte[] bad = good.clone();
                for (int f = 1 + rnd.nextInt(4); f > 0; f--) {
                    bad[rnd.nextInt(bad.length)] = (byte) rnd.nextInt(256);
                }
                refused += refusedOrDecoded(bad, seed) ? 1 : 0;
            }
        }
        for (int k = 0; k < 20000; k++) {
            byte[] random = new byte[rnd.nextInt(200)];
            rnd.nextBytes(random);
            if (random.length > 0) {
                random[0] = (byte) (1 + rnd.nextInt(3)); // a known tag, so that the fields are exercised
            }
            refused += refusedOrDecoded(random, seed) ? 1 : 0;
        }
        System.out.println("SnapshotProtocolTest seed=" + seed + ": " + refused + " refused");
        assertTrue(refused > 0);
    }

    private static List<byte[]> encodedSamples() {
        List<byte[]> all = new java.util.ArrayList<>();
        requests().forEach(m -> all.add(P.encodeRequest(m)));
        replies().forEach(m -> all.add(P.encodeReply(m)));
        events().forEach(m -> all.add(P.encodeEvent(m)));
        return all;
    }

    /** True if every decoder refuses with IllegalArgumentException or decodes; fails on anything else. */
    private static boolean refusedOrDecoded(byte[] bytes, long seed) {
        boolean refused = false;
        for (Codec<?> c : List.of(P.requests(), P.replies(), P.events())) {
            try {
                assertNotNull(WireReader.decode(c, bytes));
            } catch (IllegalArgumentException e) {
                refused = true;
            } catch (Throwable t) {
                fail("seed " + seed + ": " + bytes.length + " malformed bytes threw " + t, t);
            }
        }
        return refused;
    }
}
