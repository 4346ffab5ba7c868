package io.uffd4j.pager;

import io.uffd4j.ipc.UnixServerSocket;
import io.uffd4j.ipc.UnixSocket;
import io.uffd4j.pager.server.ChildProcesses;
import io.uffd4j.pager.server.PagerSupervisor;
import io.uffd4j.pager.server.SupervisorConfig;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.testkit.Await;
import io.uffd4j.testkit.Seeds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Pager#connect(Path)}: regions served by a long-running pager daemon ({@code ./uffd4j pager
 * --socket PATH}, started here as its supervisor's main class), and what a caller sees when the socket
 * does not lead to a pager.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PagerConnectTest {
    static final long PAGE = Verify.PAGE;

    @Test
    void regionsThroughARunningDaemonOutliveNoConnection(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("pager.sock");
        Process daemon = startDaemon(dir, socket);
        try {
            long seed = Seeds.seed("PagerConnectTest");
            long size = 4L << 20;
            try (Pager pager = Pager.connect(socket)) {
                assertEquals(daemon.pid(), pager.supervisorPid(), "connected to the daemon, not a pager of its own");
                try (LazyRegion r = LazyRegion.builder(size).source(SourceSpec.generator(seed, size)).pager(pager).open()) {
                    for (long page = 0; page < size / PAGE; page++) {
                        Verify.page(r.segment(), seed, size, page);
                    }
                    assertTrue(r.awaitFullyResident(Duration.ofSeconds(30)), () -> r.stats().toString());
                    assertEquals(size / PAGE, r.stats().residentPages(), () -> r.stats().toString());
                }
            }
            assertTrue(daemon.isAlive(), "a daemon outlives its clients: " + log(dir));
            try (Pager again = Pager.connect(socket);
                 LazyRegion r = LazyRegion.builder(size).source(SourceSpec.generator(seed + 1, size)).pager(again).open()) {
                Verify.page(r.segment(), seed + 1, size, size / PAGE - 1);
                Verify.page(r.segment(), seed + 1, size, 0);
            }
            assertTrue(daemon.isAlive(), "a daemon outlives its clients: " + log(dir));
        } finally {
            stop(daemon);
        }
    }

    @Test
    void aDaemonThatDiedIsNoLongerReachable(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("pager.sock");
        Process daemon = startDaemon(dir, socket);
        Pager pager = Pager.connect(socket);
        try {
            stop(daemon);
            PagerException e = assertThrows(PagerException.class, () -> Pager.connect(socket));
            assertTrue(e.getMessage().contains(socket.toString()), e.getMessage());
            // The connection made before the daemon died refuses new regions with a pager error.
            assertThrows(PagerException.class, () -> LazyRegion.builder(1L << 20).source(SourceSpec.zeros())
                    .pager(pager).open().close());
        } finally {
            pager.close();
        }
    }

    @Test
    void aSocketOfAnotherKindIsRefused(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("stream.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket)); // SOCK_STREAM: some other service's socket
            PagerException e = assertThrows(PagerException.class, () -> Pager.connect(socket).close());
            System.out.println("stream socket: " + e.getMessage());
            assertTrue(e.getMessage().contains(socket.toString()), e.getMessage());
        }
    }

    @Test
    void aPeerThatHangsUpWithoutGreetingIsRefused(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("not-a-pager.sock");
        try (UnixServerSocket server = UnixServerSocket.bind(socket)) {
            Thread peer = Thread.ofPlatform().start(() -> server.accept(Duration.ofSeconds(60)).ifPresent(UnixSocket::close));
            PagerException e = assertThrows(PagerException.class, () -> Pager.connect(socket).close());
            System.out.println("hang-up: " + e.getMessage());
            assertTrue(e.getMessage().contains(socket.toString()) && e.getMessage().contains("closed the connection"),
                    e.getMessage());
            peer.join();
        }
    }

    @Test
    void aPeerThatSpeaksAnotherProtocolIsRefused(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("other-protocol.sock");
        try (UnixServerSocket server = UnixServerSocket.bind(socket)) {
            Thread peer = Thread.ofPlatform().start(() -> server.accept(Duration.ofSeconds(60)).ifPresent(c -> {
                try (c) {
                    c.send("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    c.receive(4096, Duration.ofSeconds(60)); // until the client gives up and closes
                } catch (RuntimeException closed) {
                    // the client closed
                }
            }));
            PagerException e = assertThrows(PagerException.class, () -> Pager.connect(socket).close());
            System.out.println("another protocol: " + e.getMessage());
            assertTrue(e.getMessage().contains(socket.toString()), e.getMessage());
            peer.join();
        }
    }

    static Process startDaemon(Path dir, Path socket) throws IOException {
        SupervisorConfig settings = new SupervisorConfig(socket, true, Duration.ofSeconds(3), 3, "128m");
        Process daemon = new ProcessBuilder(ChildProcesses.command(List.of("-Xmx64m"), PagerSupervisor.class, settings.toArgs()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("pager.log").toFile()).start();
        // The daemon's log line is its only signal that it listens.
        Await.until(() -> log(dir).contains("listening") || !daemon.isAlive(), Duration.ofSeconds(60),
                () -> "the pager daemon did not listen: " + log(dir));
        assertTrue(daemon.isAlive(), () -> "the pager daemon exited: " + log(dir));
        return daemon;
    }

    static void stop(Process daemon) throws InterruptedException {
        daemon.descendants().forEach(ProcessHandle::destroyForcibly);
        daemon.destroyForcibly();
        daemon.waitFor(30, TimeUnit.SECONDS);
    }

    static String log(Path dir) {
        try {
            return Files.readString(dir.resolve("pager.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }
}
