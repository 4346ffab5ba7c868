package io.uffd4j.pager;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad arguments to the public pager API: IllegalArgumentException before any system call, naming the parameter,
 * the value and what is accepted; a pager that cannot be reached is a PagerException naming the socket.
 */
class BuilderArgumentTest {
    record Case(String parameter, String value, Supplier<Object> call) {
        @Override
        public String toString() {
            return parameter + " = " + value;
        }
    }

    static Stream<Case> cases() {
        Pager.Options d = Pager.Options.defaults();
        return Stream.of(
                new Case("size", "0", () -> LazyRegion.builder(0)),
                new Case("size", "-1", () -> LazyRegion.builder(-1)),
                new Case("size", String.valueOf(Long.MAX_VALUE), () -> LazyRegion.builder(Long.MAX_VALUE)),
                new Case("size", String.valueOf((1L << 46) + 1), () -> LazyRegion.builder((1L << 46) + 1)),
                new Case("attempts", "0", () -> LazyRegion.builder(4096).attempts(0)),
                new Case("attempts", "-5", () -> LazyRegion.builder(4096).attempts(-5)),
                new Case("openTimeout", "PT0S", () -> LazyRegion.builder(4096).openTimeout(Duration.ZERO)),
                new Case("openTimeout", "PT-1S", () -> LazyRegion.builder(4096).openTimeout(Duration.ofSeconds(-1))),
                new Case("hangTimeout", "0", () -> d.withHangTimeout(Duration.ZERO)),
                new Case("hangTimeout", "-1", () -> d.withHangTimeout(Duration.ofMillis(-1))),
                new Case("hangTimeout", "99", () -> d.withHangTimeout(Duration.ofMillis(99))),
                new Case("maxRestarts", "-1", () -> d.withMaxRestarts(-1)),
                new Case("maxRestarts", "1001", () -> d.withMaxRestarts(1001)),
                new Case("workerHeap", "abc", () -> new Pager.Options(Duration.ofSeconds(3), 3, "abc", List.of())),
                new Case("workerHeap", "1m", () -> new Pager.Options(Duration.ofSeconds(3), 3, "1m", List.of())),
                new Case("workerHeap", "-1", () -> new Pager.Options(Duration.ofSeconds(3), 3, "-1", List.of())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedNamingTheParameterTheValueAndTheRange(Case c) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c.call()::get);
        assertEquals(IllegalArgumentException.class, e.getClass());
        assertTrue(e.getMessage().contains(c.parameter()), () -> "names " + c.parameter() + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(c.value()), () -> "names the value " + c.value() + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("accepted"), () -> "says what is accepted: " + e.getMessage());
    }

    @Test
    void connectingToNoPagerIsAPagerError(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("no-pager.sock");
        Path notASocket = Files.writeString(dir.resolve("file.sock"), "x");
        Path stale = dir.resolve("stale.sock");
        // A socket file nobody listens on any more (the JDK does not remove it at close).
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(stale));
        }
        for (Path socket : List.of(missing, notASocket, stale)) {
            PagerException e = assertThrows(PagerException.class, () -> Pager.connect(socket), socket::toString);
            assertTrue(e.getMessage().contains(socket.toString()), () -> "names the socket: " + e.getMessage());
        }
    }
}
