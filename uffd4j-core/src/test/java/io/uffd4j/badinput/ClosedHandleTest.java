package io.uffd4j.badinput;

import io.uffd4j.serve.Resolution;
import io.uffd4j.EventBatch;
import io.uffd4j.Feature;
import io.uffd4j.Modes;
import io.uffd4j.RegisterMode;
import io.uffd4j.Resolver;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.ClosedException;
import io.uffd4j.error.Errno;
import io.uffd4j.ipc.EventFd;
import io.uffd4j.ipc.OwnedFd;
import io.uffd4j.ipc.Poller;
import io.uffd4j.ipc.ProcessMemory;
import io.uffd4j.ipc.UnixServerSocket;
import io.uffd4j.ipc.UnixSocket;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.Memfd;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.mm.Pagemap;
import io.uffd4j.mm.PagemapScan;
import io.uffd4j.selftest.Probe;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.GuardedMemory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every operation of a closed handle throws ClosedException naming the operation; close is idempotent;
 * accessors of immutable facts (address, size, features, page size) keep answering.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClosedHandleTest {
    static final long PAGE = PageSizes.base();

    /** Runs each call and checks it throws ClosedException whose operation and message name the key. */
    static void assertAllClosed(String what, Map<String, Executable> calls) {
        for (Map.Entry<String, Executable> c : calls.entrySet()) {
            ClosedException e = assertThrows(ClosedException.class, c.getValue(), what + "." + c.getKey());
            assertEquals(Errno.EBADF, e.errno());
            assertTrue(e.getMessage().contains(e.operation()), () -> what + "." + c.getKey() + ": " + e.getMessage());
            assertTrue(e.getMessage().toLowerCase().contains("closed"), () -> what + "." + c.getKey() + ": " + e.getMessage());
        }
    }

    @Test
    void userfaultfd() {
        try (Mapping m = Mapping.anonymous(4 * PAGE); Arena arena = Arena.ofConfined(); EventBatch batch = new EventBatch(4)) {
            Userfaultfd uffd = Userfaultfd.builder().features(Feature.MOVE).build();
            Resolver before = uffd.resolver();
            MemorySegment src = arena.allocate(PAGE, PAGE);
            long a = m.address();
            uffd.close();
            uffd.close();
            assertFalse(uffd.isOpen());
            Map<String, Executable> calls = new LinkedHashMap<>();
            calls.put("handshake", () -> uffd.handshake(Set.of()));
            calls.put("register", () -> uffd.register(a, PAGE, EnumSet.of(RegisterMode.MISSING)));
            calls.put("registerSegment", () -> uffd.register(m.segment(), EnumSet.of(RegisterMode.MISSING)));
            calls.put("registerVarargs", () -> uffd.register(m.segment(), RegisterMode.MISSING));
            calls.put("unregister", () -> uffd.unregister(a, PAGE));
            calls.put("unregisterSegment", () -> uffd.unregister(m.segment()));
            calls.put("copy", () -> uffd.copy(a, src));
            calls.put("copyModes", () -> uffd.copy(a, src, Modes.none()));
            calls.put("zeroPage", () -> uffd.zeroPage(a, PAGE));
            calls.put("zeroPageModes", () -> uffd.zeroPage(a, PAGE, Modes.none()));
            calls.put("move", () -> uffd.move(a, a + PAGE, PAGE, Modes.none()));
            calls.put("continueRange", () -> uffd.continueRange(a, PAGE, Modes.none()));
            calls.put("poison", () -> uffd.poison(a, PAGE, Modes.none()));
            calls.put("writeProtect", () -> uffd.writeProtect(a, PAGE));
            calls.put("writeProtectModes", () -> uffd.writeProtect(a, PAGE, Modes.none()));
            calls.put("unprotect", () -> uffd.unprotect(a, PAGE));
            calls.put("wake", () -> uffd.wake(a, PAGE));
            calls.put("read", () -> uffd.read(batch));
            calls.put("fd", uffd::fd);
            calls.put("resolverBeforeClose", () -> before.copy(a, src.address(), PAGE, Modes.none()));
            calls.put("resolverAfterClose", () -> uffd.resolver().zeroPage(a, PAGE, Modes.none()));
            calls.put("newResolver", () -> uffd.newResolver().wake(a, PAGE));
            calls.put("faultServer", () -> FaultServer.builder(uffd).serve(m, RegisterMode.MISSING)
                    .handler((f, r) -> Resolution.from(r.wake(f.pageAddress(), PAGE), r)).start());
            assertAllClosed("Userfaultfd", calls);
            // Immutable facts stay readable.
            assertEquals(EnumSet.of(Feature.MOVE), uffd.features());
            assertEquals(PAGE, uffd.pageSize());
            assertFalse(Probe.registered(a, 4 * PAGE), "the failed FaultServer left nothing registered");
            assertFalse(m.servedInProcess());
        }
    }

    @Test
    void memfd() {
        Memfd fd = Memfd.create("selftest-closed", 4 * PAGE);
        fd.close();
        fd.close();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(PAGE);
            Map<String, Executable> calls = new LinkedHashMap<>();
            calls.put("fd", fd::fd);
            calls.put("map", fd::map);
            calls.put("mapPart", () -> fd.map(0, PAGE));
            calls.put("write", () -> fd.write(0, buf));
            calls.put("read", () -> fd.read(0, buf));
            calls.put("punchHole", () -> fd.punchHole(0, PAGE));
            assertAllClosed("Memfd", calls);
            assertEquals(4 * PAGE, fd.size());
        }
    }

    @Test
    void mapping() {
        Mapping m = Mapping.anonymous(4 * PAGE);
        MemorySegment oldView = m.segment();
        long a = m.address();
        m.close();
        m.close();
        assertFalse(m.isOpen());
        assertFalse(oldView.scope().isAlive(), "segments handed out before close are invalid");
        try (Mapping live = Mapping.anonymous(4 * PAGE); Mapping target = Mapping.reserve(4 * PAGE, PAGE);
             Userfaultfd uffd = Userfaultfd.open()) {
            Map<String, Executable> calls = new LinkedHashMap<>();
            calls.put("segment", m::segment);
            calls.put("segmentPart", () -> m.segment(0, PAGE));
            calls.put("unguardedSegment", () -> m.unguardedSegment(io.uffd4j.mm.UnguardedAccess.I_ACCEPT_THE_SAFEPOINT_DEADLOCK_RISK));
            calls.put("advise", () -> m.advise(Advice.DONTNEED));
            calls.put("advisePart", () -> m.advise(0, PAGE, Advice.DONTNEED));
            calls.put("moveOutKeepingRange", m::moveOutKeepingRange);
            calls.put("moveTo", () -> m.moveTo(target));
            // A closed target's address may be reused by a newer mapping: moving onto it would replace that.
            calls.put("moveToClosedTarget", () -> live.moveTo(m));
            calls.put("faultServerServe", () -> FaultServer.builder(uffd).serve(m, RegisterMode.MISSING)
                    .handler((f, r) -> Resolution.from(r.wake(f.pageAddress(), PAGE), r)).start());
            assertAllClosed("Mapping", calls);
            assertTrue(live.isOpen(), "the failed moveTo left the source alone");
            live.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, 1L);
            assertEquals(a, m.address());
            assertEquals(4 * PAGE, m.size());
        }
    }

    @Test
    void guardedMemoryOfAClosedServer() {
        try (Mapping m = Mapping.anonymous(4 * PAGE); Userfaultfd uffd = Userfaultfd.open()) {
            FaultServer server = FaultServer.builder(uffd).serve(m, RegisterMode.MISSING)
                    .handler((f, r) -> Resolution.from(r.zeroPage(f.pageAddress(), PAGE, Modes.none()), r)).start();
            GuardedMemory g = server.guarded(m);
            assertEquals(0L, g.getLong(0));
            server.close();
            server.close();
            Map<String, Executable> calls = new LinkedHashMap<>();
            calls.put("getLong", () -> g.getLong(0));
            calls.put("setLong", () -> g.setLong(0, 1));
            calls.put("read", () -> g.read(0, new byte[8], 0, 8));
            calls.put("write", () -> g.write(0, new byte[8], 0, 8));
            calls.put("fill", () -> g.fill(0, 8, (byte) 1));
            calls.put("populate", () -> g.populate(0, PAGE, false));
            calls.put("discard", () -> g.discard(0, PAGE));
            assertAllClosed("GuardedMemory", calls);
            assertFalse(Probe.registered(m.address(), m.size()));
            assertEquals(0L, m.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG, 0), "raw access is back");
        }
    }

    @Test
    void eventFdSocketsAndFriends() throws Exception {
        EventFd ev = EventFd.create();
        ev.close();
        ev.close();
        assertAllClosed("EventFd", Map.of("signal", () -> ev.signal(1), "drain", ev::drain, "fd", ev::fd));

        UnixSocket.Pair pair = UnixSocket.pair();
        UnixSocket s = pair.first();
        s.close();
        s.close();
        assertFalse(s.isOpen());
        assertAllClosed("UnixSocket", Map.of(
                "send", () -> s.send(new byte[]{1}),
                "receive", () -> s.receive(16),
                "receiveTimeout", () -> s.receive(16, Duration.ofMillis(10)),
                "shutdown", s::shutdown,
                "fd", s::fd));
        // The peer sees the connection end, not an error.
        assertTrue(pair.second().receive(16, Duration.ofSeconds(5)).isEmpty());
        pair.close();

        Path dir = Files.createTempDirectory("selftest-sock");
        UnixServerSocket server = UnixServerSocket.bind(dir.resolve("s"));
        server.close();
        server.close();
        assertFalse(Files.exists(dir.resolve("s")));
        assertAllClosed("UnixServerSocket", Map.of("accept", () -> server.accept(Duration.ofMillis(10)), "fd", server::fd));
        Files.delete(dir);

        OwnedFd owned = new OwnedFd(EventFd.create().fd(), "test");
        owned.close();
        owned.close();
        assertAllClosed("OwnedFd", Map.of("number", owned::number, "release", owned::release));

        Poller poller = new Poller(0);
        poller.close();
        poller.close();
        assertAllClosed("Poller", Map.of("poll", () -> poller.poll(0)));

        ProcessMemory pm = ProcessMemory.self();
        pm.close();
        pm.close();
        assertAllClosed("ProcessMemory", Map.of("read", () -> pm.read(0, 0, 8), "write", () -> pm.write(0, 0, 8)));

        Pagemap map = Pagemap.self();
        map.close();
        map.close();
        try (Mapping m = Mapping.anonymous(PAGE)) {
            assertAllClosed("Pagemap", Map.of(
                    "entry", () -> map.entry(m.address()),
                    "read", () -> map.read(m.address(), new long[1], 1),
                    "scan", () -> map.scan(PagemapScan.present(m.address(), m.end()))));
        }

        EventBatch batch = new EventBatch(2);
        batch.close();
        batch.close();
        try (Userfaultfd uffd = Userfaultfd.open()) {
            Map<String, Executable> calls = new LinkedHashMap<>();
            calls.put("read", () -> uffd.read(batch));
            calls.put("type", () -> batch.type(0));
            calls.put("isPageFault", () -> batch.isPageFault(0));
            calls.put("faultAddress", () -> batch.faultAddress(0));
            calls.put("faultKind", () -> batch.faultKind(0));
            calls.put("isWrite", () -> batch.isWrite(0));
            calls.put("faultThreadId", () -> batch.faultThreadId(0));
            calls.put("rangeStart", () -> batch.rangeStart(0));
            calls.put("rangeEnd", () -> batch.rangeEnd(0));
            calls.put("remapLength", () -> batch.remapLength(0));
            calls.put("claimFork", () -> batch.claimFork(0));
            calls.put("event", () -> batch.event(0));
            assertAllClosed("EventBatch", calls);
            assertEquals(0, batch.count());
        }
    }
}
