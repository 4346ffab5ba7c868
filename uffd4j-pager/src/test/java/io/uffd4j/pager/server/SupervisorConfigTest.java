package io.uffd4j.pager.server;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The supervisor's command line: what Pager.launch writes is read back exactly; anything else is refused clearly. */
class SupervisorConfigTest {
    private static final Path SOCKET = Path.of("/tmp/uffd4j-test/pager.sock");

    @Test
    void whatLaunchWritesIsReadBackExactly() {
        SupervisorConfig config = new SupervisorConfig(SOCKET, true, Duration.ofMillis(1500), 7, "128m",
                Duration.ofMillis(900), true);
        assertEquals(config, SupervisorConfig.parse(config.toArgs()));
    }

    @Test
    void onlyTheSocketIsRequiredAndTheRestDefaults() {
        SupervisorConfig config = SupervisorConfig.parse(List.of("--socket", SOCKET.toString()));
        assertEquals(new SupervisorConfig(SOCKET, false, SupervisorConfig.DEFAULT_HANG_TIMEOUT,
                SupervisorConfig.DEFAULT_MAX_RESTARTS, SupervisorConfig.DEFAULT_WORKER_HEAP,
                SupervisorConfig.DEFAULT_LOSS_TIMEOUT, false), config);
    }

    @Test
    void badCommandLinesAreRefusedNamingTheOptionAndTheValue() {
        String s = SOCKET.toString();
        refused(List.of(), "--socket is required");
        refused(List.of("--socket", " "), "--socket is required");
        refused(List.of("--socket", s, "--colour", "red"), "unknown supervisor option '--colour' (accepted: --socket,");
        refused(List.of("--socket", s, "--daemon"), "--daemon has no value");
        refused(List.of("--socket", s, "--socket", s), "--socket is given twice");
        refused(List.of("--socket", s, "--daemon", "yes"), "--daemon 'yes': not a boolean (accepted: true or false)");
        refused(List.of("--socket", s, "--owns-directory", "TRUE"), "--owns-directory 'TRUE': not a boolean");
        refused(List.of("--socket", s, "--hang-timeout-ms", "3s"), "--hang-timeout-ms '3s': not a whole number");
        refused(List.of("--socket", s, "--hang-timeout-ms", "0"), "--hang-timeout-ms '0': out of range (accepted: 1 to");
        refused(List.of("--socket", s, "--loss-timeout-ms", "-5"), "--loss-timeout-ms '-5': out of range");
        refused(List.of("--socket", s, "--max-restarts", "-1"), "--max-restarts '-1': out of range (accepted: 0 to 2147483647)");
        refused(List.of("--socket", s, "--max-restarts", "99999999999"), "--max-restarts '99999999999': out of range");
    }

    private static void refused(List<String> args, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SupervisorConfig.parse(args),
                () -> "accepted " + args);
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected + "'");
    }
}
