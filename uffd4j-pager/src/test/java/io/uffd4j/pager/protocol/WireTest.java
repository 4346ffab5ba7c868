package io.uffd4j.pager.protocol;

import io.uffd4j.Feature;
import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.region.Prefetch;
import io.uffd4j.pager.region.RegionStats;
import io.uffd4j.pager.source.SourceSpec;

import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The pager's wire format: every message survives a round trip; a corrupted, truncated or random packet
 * (anything a process that can reach the socket may send) is refused with IllegalArgumentException and
 * nothing else: no other exception, no huge allocation, no hang.
 */
class WireTest {
    static final RegionSpec SPEC = new RegionSpec(0x7f00_0000_0000L, 1L << 30, 4096, Backing.SHARED_MEMFD,
            EnumSet.of(Feature.EVENT_FORK, Feature.MINOR_SHMEM, Feature.POISON), SourceSpec.generator(7, 1L << 30).with("delayMicros", "5"),
            Prefetch.POSTCOPY, java.nio.file.Path.of("/tmp/record"), null, 3, 4242, true, false);

    static List<Message> every() {
        RegionStats stats = new RegionStats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        return List.of(
                new Message.Open(1, 2, SPEC, true, false),
                new Message.Opened(3, 4),
                new Message.OpenFailed(5, "no such source"),
                new Message.Close(6),
                new Message.Closed(7),
                new Message.StatsRequest(8),
                new Message.Stats(9, stats),
                new Message.Failure(10, 4096, "verification failed"),
                new Message.Heartbeat(11),
                new Message.HeartbeatReply(12, 13, 14),
                new Message.Hello(15, 16, 17),
                new Message.Standby(18),
                new Message.ChildAdopted(19, -1, SPEC.at(0x1000)),
                new Message.ChildEnded(-2),
                new Message.AdoptChild(20, 21, SPEC, true),
                new Message.ExtensionRequest(22, 23, "x.Ext", new Payload(new byte[] {1, 2, 3})),
                new Message.ExtensionReply(24, 25, true, new Payload(new byte[] {4}), ""),
                new Message.ExtensionEvent(26, "x.Ext", new Payload(new byte[0])),
                new Message.ExtensionsLost(27, "the pager worker died"));
    }

    @Test
    void everyMessageSurvivesARoundTrip() {
        List<Message> all = every();
        // One of each kind: a new message type must be added here (the sealed interface lists them).
        assertEquals(Message.class.getPermittedSubclasses().length, all.size());
        for (Message m : all) {
            assertEquals(m, Wire.decode(Wire.encode(m)), m::toString);
        }
    }

    @Test
    void anUnknownFeatureOrEnumIsAMalformedMessage() {
        byte[] good = Wire.encode(new Message.Open(1, 2, SPEC, false, false));
        String s = new String(good, java.nio.charset.StandardCharsets.ISO_8859_1).replace("POISON", "POISOX");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Wire.decode(s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
        assertTrue(e.getMessage().contains("unknown Feature 'POISOX'"), e.getMessage());
    }

    @Test
    void corruptedTruncatedAndRandomPacketsAreRefusedCleanly() {
        long seed = io.uffd4j.testkit.Seeds.seed("WireTest");
        Random rnd = new Random(seed);
        int refused = 0;
        int decoded = 0;
        for (Message m : every()) {
            byte[] good = Wire.encode(m);
            for (int cut = 0; cut < good.length; cut++) {
                refused += refusedOrDecoded(java.util.Arrays.copyOf(good, cut), seed) ? 1 : 0;
            }
            for (int k = 0; k < 2000; k++) {
                byte[] bad = good.clone();
                int flips = 1 + rnd.nextInt(4);
                for (int f = 0; f < flips; f++) {
                    bad[rnd.nextInt(bad.length)] = (byte) rnd.nextInt(256);
                }
                if (refusedOrDecoded(bad, seed)) {
                    refused++;
                } else {
                    decoded++;
                }
            }
        }
        for (int k = 0; k < 20000; k++) {
            byte[] random = new byte[rnd.nextInt(300)];
            rnd.nextBytes(random);
            if (random.length > 0 && rnd.nextBoolean()) {
                random[0] = 1; // the right version, so that the tag and fields are exercised
            }
            refused += refusedOrDecoded(random, seed) ? 1 : 0;
        }
        System.out.println("WireTest seed=" + seed + " (rerun with -Duffd4j.seed=" + seed + "): " + refused
                + " refused, " + decoded + " corrupted packets still decoded (a changed number or string)");
        assertTrue(refused > 0);
    }

    /** True if refused with IllegalArgumentException; false if decoded; fails on anything else. */
    private static boolean refusedOrDecoded(byte[] packet, long seed) {
        try {
            Message m = Wire.decode(packet);
            assertNotNull(m);
            return false;
        } catch (IllegalArgumentException e) {
            return true;
        } catch (Throwable t) {
            fail("seed " + seed + ": a malformed packet of " + packet.length + " bytes threw " + t, t);
            return false;
        }
    }

    @Test
    void aFailedExtensionReplyAndAReplayPathSurviveARoundTrip() {
        Message failed = Message.ExtensionReply.failed(1, 2, "IllegalStateException: busy");
        assertEquals(failed, Wire.decode(Wire.encode(failed)));
        RegionSpec replay = new RegionSpec(0, 4096, 4096, Backing.PRIVATE_ANONYMOUS, Set.of(), SourceSpec.zeros(),
                Prefetch.REPLAY, null, java.nio.file.Path.of("/tmp/touches"), 1, 1, false, false);
        Message open = new Message.Open(1, 2, replay, false, false);
        assertEquals(open, Wire.decode(Wire.encode(open)));
    }

    @Test
    void anExtensionPayloadLongerThanItsPacketIsRefused() {
        byte[] good = Wire.encode(new Message.ExtensionEvent(1, "x", new Payload(new byte[8])));
        // The payload's length field sits just before its 8 bytes: claim more than the packet holds.
        int lengthAt = good.length - 8 - 4;
        good[lengthAt] = 0x00;
        good[lengthAt + 1] = 0x00;
        good[lengthAt + 2] = 0x01;
        good[lengthAt + 3] = 0x00;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Wire.decode(good));
        assertTrue(e.getMessage().contains("bad payload length 256"), e.getMessage());
    }

    @Test
    void aSpecKeepsItsFeaturesTyped() {
        Set<Feature> f = SPEC.features();
        assertTrue(f.contains(Feature.POISON));
        assertThrows(UnsupportedOperationException.class, () -> f.add(Feature.EVENT_REMAP));
    }
}
