package io.uffd4j.pager.protocol;

import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.region.Prefetch;
import io.uffd4j.pager.region.RegionStats;
import io.uffd4j.pager.source.SourceSpec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import io.uffd4j.Feature;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Binary encoding of {@link Message}s: a version byte, a tag byte, then the fields. */
public final class Wire {
    /** Largest encoded message. */
    public static final int MAX_MESSAGE = 64 * 1024;
    /** Largest extension payload inside one message. */
    public static final int MAX_PAYLOAD = io.uffd4j.pager.spi.WireReader.MAX_PAYLOAD;
    private static final int VERSION = 2;

    private Wire() {}

    public static byte[] encode(Message m) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            switch (m) {
                case Message.Open o -> {
                    out.writeByte(1);
                    out.writeLong(o.token());
                    out.writeLong(o.regionId());
                    writeSpec(out, o.spec());
                    out.writeBoolean(o.recovering());
                    out.writeBoolean(o.poisonAll());
                }
                case Message.Opened o -> {
                    out.writeByte(2);
                    out.writeLong(o.token());
                    out.writeLong(o.regionId());
                }
                case Message.OpenFailed o -> {
                    out.writeByte(3);
                    out.writeLong(o.token());
                    out.writeUTF(clip(o.reason()));
                }
                case Message.Close c -> {
                    out.writeByte(4);
                    out.writeLong(c.regionId());
                }
                case Message.Closed c -> {
                    out.writeByte(5);
                    out.writeLong(c.regionId());
                }
                case Message.StatsRequest s -> {
                    out.writeByte(6);
                    out.writeLong(s.regionId());
                }
                case Message.Stats s -> {
                    out.writeByte(7);
                    out.writeLong(s.regionId());
                    writeStats(out, s.stats());
                }
                case Message.Failure f -> {
                    out.writeByte(8);
                    out.writeLong(f.regionId());
                    out.writeLong(f.offset());
                    out.writeUTF(clip(f.reason()));
                }
                case Message.Heartbeat h -> {
                    out.writeByte(9);
                    out.writeLong(h.sequence());
                }
                case Message.HeartbeatReply h -> {
                    out.writeByte(10);
                    out.writeLong(h.sequence());
                    out.writeLong(h.busyRegionId());
                    out.writeLong(h.busyNanos());
                }
                case Message.Hello h -> {
                    out.writeByte(11);
                    out.writeLong(h.supervisorPid());
                    out.writeLong(h.workerPid());
                    out.writeLong(h.guardianPid());
                }
                case Message.Standby st -> {
                    out.writeByte(15);
                    out.writeLong(st.workerPid());
                }
                case Message.ChildAdopted c -> {
                    out.writeByte(16);
                    out.writeLong(c.parentRegionId());
                    out.writeLong(c.key());
                    writeSpec(out, c.spec());
                }
                case Message.ChildEnded c -> {
                    out.writeByte(17);
                    out.writeLong(c.key());
                }
                case Message.AdoptChild c -> {
                    out.writeByte(18);
                    out.writeLong(c.regionId());
                    out.writeLong(c.parentRegionId());
                    writeSpec(out, c.spec());
                    out.writeBoolean(c.poisonAll());
                }
                case Message.ExtensionRequest r -> {
                    out.writeByte(12);
                    out.writeLong(r.regionId());
                    out.writeLong(r.token());
                    out.writeUTF(r.extension());
                    writePayload(out, r.request());
                }
                case Message.ExtensionReply r -> {
                    out.writeByte(13);
                    out.writeLong(r.regionId());
                    out.writeLong(r.token());
                    out.writeBoolean(r.ok());
                    writePayload(out, r.reply());
                    out.writeUTF(clip(r.error()));
                }
                case Message.ExtensionEvent e -> {
                    out.writeByte(14);
                    out.writeLong(e.regionId());
                    out.writeUTF(e.extension());
                    writePayload(out, e.event());
                }
                case Message.ExtensionsLost l -> {
                    out.writeByte(19);
                    out.writeLong(l.regionId());
                    out.writeUTF(clip(l.reason()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static Message decode(byte[] payload) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload))) {
            int version = in.readUnsignedByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("pager protocol version " + version + ", expected " + VERSION);
            }
            int tag = in.readUnsignedByte();
            return switch (tag) {
                case 1 -> new Message.Open(in.readLong(), in.readLong(), readSpec(in), in.readBoolean(), in.readBoolean());
                case 2 -> new Message.Opened(in.readLong(), in.readLong());
                case 3 -> new Message.OpenFailed(in.readLong(), in.readUTF());
                case 4 -> new Message.Close(in.readLong());
                case 5 -> new Message.Closed(in.readLong());
                case 6 -> new Message.StatsRequest(in.readLong());
                case 7 -> new Message.Stats(in.readLong(), readStats(in));
                case 8 -> new Message.Failure(in.readLong(), in.readLong(), in.readUTF());
                case 9 -> new Message.Heartbeat(in.readLong());
                case 10 -> new Message.HeartbeatReply(in.readLong(), in.readLong(), in.readLong());
                case 11 -> new Message.Hello(in.readLong(), in.readLong(), in.readLong());
                case 15 -> new Message.Standby(in.readLong());
                case 16 -> new Message.ChildAdopted(in.readLong(), in.readLong(), readSpec(in));
                case 17 -> new Message.ChildEnded(in.readLong());
                case 18 -> new Message.AdoptChild(in.readLong(), in.readLong(), readSpec(in), in.readBoolean());
                case 12 -> new Message.ExtensionRequest(in.readLong(), in.readLong(), in.readUTF(), readPayload(in));
                case 13 -> new Message.ExtensionReply(in.readLong(), in.readLong(), in.readBoolean(), readPayload(in), in.readUTF());
                case 14 -> new Message.ExtensionEvent(in.readLong(), in.readUTF(), readPayload(in));
                case 19 -> new Message.ExtensionsLost(in.readLong(), in.readUTF());
                default -> throw new IllegalArgumentException("unknown pager message tag " + tag);
            };
        } catch (IOException e) {
            throw new IllegalArgumentException("malformed pager message: " + e.getMessage(), e);
        }
    }

    private static String clip(String s) {
        String v = s == null ? "" : s;
        return v.length() > 8000 ? v.substring(0, 8000) + "..." : v;
    }

    private static void writePayload(DataOutputStream out, Payload p) throws IOException {
        if (p.length() > MAX_PAYLOAD) {
            throw new IllegalArgumentException("an extension payload of " + p.length() + " bytes exceeds " + MAX_PAYLOAD);
        }
        out.writeInt(p.length());
        out.write(p.bytes());
    }

    private static Payload readPayload(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > MAX_PAYLOAD || n > in.available()) {
            throw new IOException("bad payload length " + n);
        }
        return new Payload(in.readNBytes(n));
    }

    private static void writeSpec(DataOutputStream out, RegionSpec s) throws IOException {
        out.writeLong(s.start());
        out.writeLong(s.length());
        out.writeLong(s.pageSize());
        out.writeUTF(s.backing().name());
        out.writeInt(s.features().size());
        for (Feature f : s.features()) {
            out.writeUTF(f.name());
        }
        out.writeUTF(s.source().className());
        out.writeInt(s.source().config().size());
        for (Map.Entry<String, String> e : s.source().config().entrySet()) {
            out.writeUTF(e.getKey());
            out.writeUTF(e.getValue());
        }
        out.writeUTF(s.prefetch().name());
        out.writeUTF(s.recordFirstTouch() == null ? "" : s.recordFirstTouch().toString());
        out.writeUTF(s.replayFrom() == null ? "" : s.replayFrom().toString());
        out.writeInt(s.attempts());
        out.writeInt(s.applicationPid());
        out.writeBoolean(s.writeProtect());
        out.writeBoolean(s.tracking());
    }

    private static RegionSpec readSpec(DataInputStream in) throws IOException {
        long start = in.readLong();
        long length = in.readLong();
        long pageSize = in.readLong();
        Backing backing = enumValue(Backing.class, in.readUTF());
        int nf = in.readInt();
        if (nf < 0 || nf > Feature.values().length) {
            throw new IOException("bad feature count " + nf);
        }
        Set<Feature> features = EnumSet.noneOf(Feature.class);
        for (int i = 0; i < nf; i++) {
            features.add(enumValue(Feature.class, in.readUTF()));
        }
        String cls = in.readUTF();
        int nc = in.readInt();
        if (nc < 0 || nc > 4096) {
            throw new IOException("bad source configuration size " + nc);
        }
        Map<String, String> config = new LinkedHashMap<>();
        for (int i = 0; i < nc; i++) {
            config.put(in.readUTF(), in.readUTF());
        }
        Prefetch prefetch = enumValue(Prefetch.class, in.readUTF());
        String record = in.readUTF();
        String replay = in.readUTF();
        int attempts = in.readInt();
        int pid = in.readInt();
        boolean writeProtect = in.readBoolean();
        boolean tracking = in.readBoolean();
        return new RegionSpec(start, length, pageSize, backing, Set.copyOf(features), new SourceSpec(cls, config), prefetch,
                record.isEmpty() ? null : Path.of(record), replay.isEmpty() ? null : Path.of(replay), attempts, pid, writeProtect, tracking);
    }

    /** An enum constant by name; an unknown name is a malformed message, not an IllegalArgumentException from deep inside. */
    private static <E extends Enum<E>> E enumValue(Class<E> type, String name) throws IOException {
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            throw new IOException("unknown " + type.getSimpleName() + " '" + name + "'");
        }
    }

    private static void writeStats(DataOutputStream out, RegionStats s) throws IOException {
        long[] v = {s.totalPages(), s.residentPages(), s.demandFaults(), s.minorFaults(), s.zeroFaults(),
                s.prefetchedPages(), s.alreadyPresent(), s.removedPages(), s.events(), s.readFailures(),
                s.poisonedPages(), s.faultP50Nanos(), s.faultP99Nanos(), s.faultMaxNanos(), s.fullyResidentAfterNanos()};
        for (long x : v) {
            out.writeLong(x);
        }
        out.writeInt(s.pagerRestarts());
    }

    private static RegionStats readStats(DataInputStream in) throws IOException {
        long[] v = new long[15];
        for (int i = 0; i < v.length; i++) {
            v[i] = in.readLong();
        }
        return new RegionStats(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13],
                v[14], in.readInt());
    }
}
