package io.uffd4j.ipc;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** SO_PEERCRED names the process at the other end of a connection. */
class PeerCredentialsTest {
    @Test
    void aSocketPairsPeerIsThisProcess() throws Exception {
        try (UnixSocket.Pair pair = UnixSocket.pair()) {
            UnixSocket.PeerCredentials peer = pair.first().peer();
            assertEquals(ProcessHandle.current().pid(), peer.pid());
            String uid = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/status")).lines()
                    .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[2];
            assertEquals(Integer.parseInt(uid), peer.uid());
        }
    }
}
