package io.uffd4j.pager.spi;

import java.util.Objects;

/**
 * What an extension and the application say to each other: requests {@code Q} (application → worker),
 * replies {@code R}, events {@code E} (worker → application, later), each family with its codec. The
 * pager carries the encoded bytes under the extension's name and never looks inside, so that an
 * extension adds its own record types without touching the pager.
 *
 * @param extensionClass the {@link RegionExtension} class the worker creates by name
 */
public record ExtensionProtocol<Q, R, E>(String extensionClass, Codec<Q> requests, Codec<R> replies, Codec<E> events) {
    public ExtensionProtocol {
        Objects.requireNonNull(extensionClass, "extensionClass");
        Objects.requireNonNull(requests, "requests");
        Objects.requireNonNull(replies, "replies");
        Objects.requireNonNull(events, "events");
    }

    public byte[] encodeRequest(Q request) {
        return WireWriter.encode(requests, request);
    }

    public Q decodeRequest(byte[] bytes) {
        return WireReader.decode(requests, bytes);
    }

    public byte[] encodeReply(R reply) {
        return WireWriter.encode(replies, reply);
    }

    public R decodeReply(byte[] bytes) {
        return WireReader.decode(replies, bytes);
    }

    public byte[] encodeEvent(E event) {
        return WireWriter.encode(events, event);
    }

    public E decodeEvent(byte[] bytes) {
        return WireReader.decode(events, bytes);
    }
}
