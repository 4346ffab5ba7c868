package io.uffd4j.snapshot;

import io.uffd4j.pager.spi.Codec;
import io.uffd4j.pager.spi.ExtensionProtocol;
import io.uffd4j.pager.spi.WireReader;
import io.uffd4j.pager.spi.WireWriter;
import io.uffd4j.snapshot.image.ImageKind;

import java.util.Optional;

/**
 * The snapshot extension's messages on the pager's wire: {@link SnapshotRequest}s from the application,
 * {@link SnapshotReply}s and {@link SnapshotEvent}s from the worker, each a tag byte then its fields.
 */
public final class SnapshotProtocol {
    /** The extension the pager worker creates by this name. */
    public static final String EXTENSION_CLASS = "io.uffd4j.snapshot.worker.SnapshotExtension";

    public static final ExtensionProtocol<SnapshotRequest, SnapshotReply, SnapshotEvent> PROTOCOL =
            new ExtensionProtocol<>(EXTENSION_CLASS, new Requests(), new Replies(), new Events());

    private SnapshotProtocol() {}

    private static final class Requests implements Codec<SnapshotRequest> {
        @Override
        public void write(WireWriter out, SnapshotRequest value) {
            switch (value) {
                case SnapshotRequest.Full f -> out.writeByte(1).writePath(f.target()).writeLong(f.bufferBytes())
                        .writeInt(f.runPages()).writeEnum(f.quiesce());
                case SnapshotRequest.Delta d -> out.writeByte(2).writePath(d.target()).writeEnum(d.quiesce());
                case SnapshotRequest.Status s -> out.writeByte(3);
            }
        }

        @Override
        public SnapshotRequest read(WireReader in) {
            int tag = in.readByte();
            return switch (tag) {
                case 1 -> new SnapshotRequest.Full(in.readPath(), in.readLong(), in.readInt(), in.readEnum(Quiesce.class));
                case 2 -> new SnapshotRequest.Delta(in.readPath(), in.readEnum(Quiesce.class));
                case 3 -> new SnapshotRequest.Status();
                default -> throw WireReader.unknownTag("snapshot request", tag);
            };
        }
    }

    private static final class Replies implements Codec<SnapshotReply> {
        @Override
        public void write(WireWriter out, SnapshotReply value) {
            switch (value) {
                case SnapshotReply.InstantTaken i -> out.writeByte(1).writeInstant(i.at()).writeDuration(i.pause())
                        .writeDuration(i.stop()).writeDuration(i.switchRegistration()).writeDuration(i.arm())
                        .writeDuration(i.scan());
                case SnapshotReply.DeltaWritten d -> {
                    out.writeByte(2);
                    writeResult(out, d.image());
                    out.writeDuration(d.pause()).writeDuration(d.scan()).writeDuration(d.presentScan())
                            .writeDuration(d.copy()).writeDuration(d.complete()).writeLong(d.dirtyPages());
                }
                case SnapshotReply.Status s -> {
                    out.writeByte(3).writeEnum(s.state()).writeBoolean(s.lastImage().isPresent());
                    s.lastImage().ifPresent(out::writePath);
                    out.writeLong(s.pages()).writeLong(s.saved()).writeLong(s.savedByFault()).writeLong(s.deferredFaults());
                }
            }
        }

        @Override
        public SnapshotReply read(WireReader in) {
            int tag = in.readByte();
            return switch (tag) {
                case 1 -> new SnapshotReply.InstantTaken(in.readInstant(), in.readDuration(), in.readDuration(),
                        in.readDuration(), in.readDuration(), in.readDuration());
                case 2 -> new SnapshotReply.DeltaWritten(readResult(in), in.readDuration(), in.readDuration(),
                        in.readDuration(), in.readDuration(), in.readDuration(), in.readCount("dirty pages"));
                case 3 -> new SnapshotReply.Status(in.readEnum(SnapshotReply.RegionState.class),
                        in.readBoolean() ? Optional.of(in.readPath()) : Optional.empty(), in.readCount("pages"),
                        in.readCount("saved pages"), in.readCount("pages saved by fault"), in.readCount("deferred faults"));
                default -> throw WireReader.unknownTag("snapshot reply", tag);
            };
        }
    }

    private static final class Events implements Codec<SnapshotEvent> {
        @Override
        public void write(WireWriter out, SnapshotEvent value) {
            switch (value) {
                case SnapshotEvent.Done d -> {
                    out.writeByte(1);
                    writeResult(out, d.image());
                    out.writeEnum(d.tracking()).writeString(d.trackingFailure());
                }
                case SnapshotEvent.Failed f -> out.writeByte(2).writePath(f.target()).writeString(f.reason());
            }
        }

        @Override
        public SnapshotEvent read(WireReader in) {
            int tag = in.readByte();
            return switch (tag) {
                case 1 -> new SnapshotEvent.Done(readResult(in), in.readEnum(SnapshotEvent.Tracking.class), in.readString());
                case 2 -> new SnapshotEvent.Failed(in.readPath(), in.readString());
                default -> throw WireReader.unknownTag("snapshot event", tag);
            };
        }
    }

    private static void writeResult(WireWriter out, SnapshotResult r) {
        out.writePath(r.path()).writeEnum(r.kind()).writeLong(r.dataPages()).writeLong(r.zeroPages())
                .writeLong(r.inheritedPages()).writeLong(r.fileSize()).writeLong(r.savedByFault()).writeLong(r.savedBySaver())
                .writeLong(r.deferredFaults()).writeLong(r.peakBufferBytes()).writeLong(r.totalNanos())
                .writeString(r.timeline()).writeLong(r.trackingPauseNanos());
    }

    private static SnapshotResult readResult(WireReader in) {
        return new SnapshotResult(in.readPath(), in.readEnum(ImageKind.class), in.readCount("data pages"),
                in.readCount("zero pages"), in.readCount("inherited pages"), in.readCount("file size"),
                in.readCount("pages saved by fault"), in.readCount("pages saved by the saver"),
                in.readCount("deferred faults"), in.readCount("peak buffer bytes"), in.readCount("total nanoseconds"),
                in.readString(), in.readCount("tracking pause nanoseconds"));
    }
}
