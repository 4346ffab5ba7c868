package io.uffd4j.badinput;

import io.uffd4j.serve.Resolution;
import io.uffd4j.EventBatch;
import io.uffd4j.Modes;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.ClosedException;
import io.uffd4j.ipc.EventFd;
import io.uffd4j.ipc.ProcessMemory;
import io.uffd4j.ipc.UnixSocket;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.mm.PagemapScan;
import io.uffd4j.selftest.Probe;
import io.uffd4j.serve.FailurePolicy;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.GuardedMemory;
import io.uffd4j.serve.WaitStrategy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

import static io.uffd4j.badinput.Refusal.assertRefusedNaming;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Arguments other than ranges: builder settings, descriptors, buffers, sizes. Refused, nothing changed. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ArgumentRefusalTest {
    static final long PAGE = PageSizes.base();

    @Test
    void faultServerBuilder() {
        try (Mapping m = Mapping.anonymous(4 * PAGE);
             Userfaultfd uffd = Userfaultfd.open();
             Userfaultfd blocking = Userfaultfd.builder().nonBlocking(false).build();
             Userfaultfd userMode = Userfaultfd.builder().userModeOnly(true).build()) {
            FaultServer.Builder b = FaultServer.builder(uffd);
            assertThrows(IllegalArgumentException.class, () -> b.threads(0));
            assertThrows(IllegalArgumentException.class, () -> b.threads(257));
            assertThrows(IllegalArgumentException.class, () -> b.batchSize(0));
            assertThrows(NullPointerException.class, () -> b.handler(null));
            assertThrows(IllegalStateException.class, b::start, "no handler");
            b.handler((f, r) -> Resolution.from(r.zeroPage(f.pageAddress(), PAGE, Modes.none()), r));
            assertThrows(IllegalStateException.class, b::start, "no range");

            assertRefusedNaming(IllegalArgumentException.class, "FaultServer", "non-blocking", () -> FaultServer.builder(blocking)
                    .serve(m, RegisterMode.MISSING).handler((f, r) -> Resolution.from(r.wake(f.pageAddress(), PAGE), r)).start());
            assertRefusedNaming(io.uffd4j.error.RangeArgumentException.class, "serve refused", "user-mode-only", () -> FaultServer.builder(userMode)
                    .serve(m, EnumSet.of(RegisterMode.MISSING), GuardedMemory.Mode.CHECKED));
            assertFalse(Probe.registered(m.address(), m.size()), "nothing was registered");
            assertFalse(m.servedInProcess());

            assertThrows(IllegalArgumentException.class, () -> new FailurePolicy(0, Duration.ZERO, Duration.ZERO, FailurePolicy.GiveUp.POISON));
            assertThrows(IllegalArgumentException.class, () -> new FailurePolicy(1, Duration.ofSeconds(2), Duration.ofSeconds(1), FailurePolicy.GiveUp.POISON));
            assertThrows(IllegalArgumentException.class, () -> WaitStrategy.spinThenBlock(Duration.ofMillis(-1)));
        }
    }

    @Test
    void descriptorsAndBuffers() throws Exception {
        // Adopting a descriptor that is not open.
        ClosedException notOpen = assertThrows(ClosedException.class, () -> Userfaultfd.adopt(-1, Set.of()));
        assertTrue(notOpen.getMessage().contains("fcntl") && notOpen.getMessage().contains("-1"), notOpen.getMessage());

        assertThrows(IllegalArgumentException.class, () -> new EventBatch(0));
        assertThrows(IllegalArgumentException.class, () -> new EventBatch(4097));

        try (UnixSocket.Pair pair = UnixSocket.pair(); EventFd ev = EventFd.create()) {
            int[] tooMany = new int[UnixSocket.MAX_FDS + 1];
            java.util.Arrays.fill(tooMany, ev.fd());
            assertThrows(IllegalArgumentException.class, () -> pair.first().send(new byte[]{1}, tooMany));
            assertRefusedNaming(IllegalArgumentException.class, "recvmsg", "0", () -> pair.second().receive(0));
            // Nothing was sent or lost: the next message arrives whole.
            pair.first().send(new byte[]{1, 2, 3});
            assertEquals(3, pair.second().receive(16, Duration.ofSeconds(5)).orElseThrow().payload().length);
        }

        try (ProcessMemory self = ProcessMemory.self(); Mapping m = Mapping.anonymous(PAGE)) {
            assertThrows(IllegalArgumentException.class, () -> self.read(m.address(), MemorySegment.ofArray(new byte[8])));
        }
        assertThrows(IllegalArgumentException.class, () -> PagemapScan.present(PAGE, PAGE));

        try (Mapping a = Mapping.anonymous(2 * PAGE); Mapping b = Mapping.reserve(4 * PAGE, PAGE)) {
            assertRefusedNaming(io.uffd4j.error.RangeArgumentException.class, "mremap", "differs", () -> a.moveTo(b));
            assertTrue(a.isOpen() && b.isOpen(), "a refused move spends neither mapping");
        }
    }

    /** Checks made before any system call are argument refusals, not a kernel EINVAL (no UffdException). */
    @Test
    void checksBeforeTheSystemCallAreIllegalArgumentExceptions() {
        try (Userfaultfd uffd = Userfaultfd.open(); Mapping m = Mapping.anonymous(PageSizes.base())) {
            assertRefusedNaming(IllegalArgumentException.class, "UFFDIO_REGISTER", "at least one of MISSING, WP, MINOR",
                    () -> uffd.register(m.address(), m.size(), EnumSet.noneOf(RegisterMode.class)));
        }
        java.nio.file.Path longPath = java.nio.file.Path.of("/tmp/" + "x".repeat(200));
        assertRefusedNaming(IllegalArgumentException.class, "socket path of 205 bytes", "at most 107 bytes",
                () -> UnixSocket.connect(longPath));
        assertRefusedNaming(IllegalArgumentException.class, "adopt refused descriptor 999999", "not an open file",
                () -> io.uffd4j.mm.Memfd.adopt(999_999, "nothing"));
    }
}
