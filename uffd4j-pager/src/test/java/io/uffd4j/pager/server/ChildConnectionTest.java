package io.uffd4j.pager.server;

import io.uffd4j.ipc.UnixServerSocket;
import io.uffd4j.ipc.UnixSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The supervisor's sockets for its worker and guardian sit next to the application socket, where other
 * processes can reach them: a connection from any process but the child that was started is refused.
 */
class ChildConnectionTest {
    @Test
    void aConnectionFromAnotherProcessIsRefused(@TempDir Path dir) throws Exception {
        try (UnixServerSocket server = UnixServerSocket.bind(dir.resolve("s.worker"))) {
            Process child = new ProcessBuilder("sleep", "1").start(); // never connects
            try (UnixSocket stranger = UnixSocket.connect(server.path())) {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> ChildProcesses.awaitConnection(server, child, "pager worker"));
                assertTrue(e.getMessage().contains("exited before connecting"), e.getMessage());
                assertTrue(stranger.receive(64, Duration.ofSeconds(5)).isEmpty(), "the stranger's connection is still open");
            }
        }
    }
}
