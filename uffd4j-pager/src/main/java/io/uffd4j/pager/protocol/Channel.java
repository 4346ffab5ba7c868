package io.uffd4j.pager.protocol;

import io.uffd4j.ipc.OwnedFd;
import io.uffd4j.ipc.UnixSocket;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** A {@link UnixSocket} that carries pager {@link Message}s. Sending is thread-safe. */
public final class Channel implements AutoCloseable {
    private final UnixSocket socket;

    public Channel(UnixSocket socket) {
        this.socket = socket;
    }

    /** A received message and the descriptors attached to it (the receiver owns them). */
    public record Received(Message message, List<OwnedFd> fds) implements AutoCloseable {
        @Override
        public void close() {
            fds.forEach(OwnedFd::close);
        }
    }

    public void send(Message m, int... fds) {
        socket.send(Wire.encode(m), fds);
    }

    /** The next message; empty when the peer closed the connection. */
    public Optional<Received> receive() {
        return receive(null);
    }

    /**
     * Hands every message to {@code handler} until the peer closes the connection (then returns);
     * descriptors the handler has not released are closed after it returns. A failure of the
     * connection or of the handler is thrown.
     */
    public void receiveAll(java.util.function.Consumer<Received> handler) {
        while (true) {
            Optional<Received> r = receive();
            if (r.isEmpty()) {
                return;
            }
            try (Received m = r.get()) {
                handler.accept(m);
            }
        }
    }

    public Optional<Received> receive(Duration timeout) {
        Optional<UnixSocket.Message> m = socket.receive(Wire.MAX_MESSAGE, timeout);
        if (m.isEmpty()) {
            return Optional.empty();
        }
        UnixSocket.Message raw = m.get();
        try {
            return Optional.of(new Received(Wire.decode(raw.payload()), raw.fds()));
        } catch (RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    public UnixSocket socket() {
        return socket;
    }

    public void shutdown() {
        if (socket.isOpen()) {
            try {
                socket.shutdown();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
