package io.uffd4j;

import io.uffd4j.serve.Resolution;
import io.uffd4j.error.PageUnavailableException;
import io.uffd4j.mm.Mapping;
import io.uffd4j.serve.FailurePolicy;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.GuardedMemory;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.*;

class SmokeTest {
    @Test
    void servesFaultsThroughGuardedMemory() {
        for (GuardedMemory.Mode mode : GuardedMemory.Mode.values()) {
            try (Userfaultfd uffd = Userfaultfd.open();
                 Mapping region = Mapping.anonymous(64 * 4096);
                 Arena arena = Arena.ofShared()) {
                MemorySegment page = arena.allocate(4096, 4096);
                try (FaultServer server = FaultServer.builder(uffd)
                        .serve(region, EnumSet.of(RegisterMode.MISSING), mode)
                        .handler((fault, resolver) -> {
                            synchronized (page) {
                                page.fill((byte) (fault.pageOffset() / 4096));
                                resolver.copy(fault.pageAddress(), page.address(), 4096, Modes.none());
                            }
                            return Resolution.from(resolver);
                        })
                        .start()) {
                    GuardedMemory mem = server.guarded(region);
                    for (int i = 0; i < 64; i++) {
                        assertEquals((byte) i, mem.getByte(i * 4096L + 7), "page " + i);
                    }
                    assertEquals(64, server.stats().missingFaults());
                    assertThrows(io.uffd4j.mm.UnguardedAccessException.class, region::segment);
                }
                assertEquals((byte) 5, region.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, 5 * 4096L));
            }
        }
    }

    @Test
    void failingHandlerPoisonsAndAccessFails() {
        try (Userfaultfd uffd = Userfaultfd.open();
             Mapping region = Mapping.anonymous(4 * 4096)) {
            try (FaultServer server = FaultServer.builder(uffd)
                    .serve(region, RegisterMode.MISSING)
                    .failurePolicy(new FailurePolicy(2, Duration.ofMillis(1), Duration.ofMillis(2), FailurePolicy.GiveUp.POISON))
                    .handler((fault, resolver) -> { throw new IllegalStateException("source down"); })
                    .start()) {
                GuardedMemory mem = server.guarded(region);
                PageUnavailableException e = assertThrows(PageUnavailableException.class, () -> mem.getLong(4096));
                System.out.println(e.getMessage());
                assertEquals(1, server.stats().poisoned());
            }
        }
    }

    @Test
    void writeProtectFaultAnsweredWithTheWrongIoctlIsAFailureNotALivelock() {
        try (Userfaultfd uffd = Userfaultfd.builder().features(Feature.PAGEFAULT_FLAG_WP).build();
             Mapping region = Mapping.anonymous(4 * 4096);
             Arena arena = Arena.ofShared()) {
            MemorySegment page = arena.allocate(4096, 4096);
            region.segment().fill((byte) 3);
            java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
            try (FaultServer server = FaultServer.builder(uffd)
                    .serve(region, EnumSet.of(RegisterMode.WP), GuardedMemory.Mode.DIRECT)
                    .failurePolicy(new FailurePolicy(3, Duration.ofMillis(1), Duration.ofMillis(2), FailurePolicy.GiveUp.POISON))
                    .handler((fault, resolver) -> {
                        calls.incrementAndGet();
                        resolver.copy(fault.pageAddress(), page.address(), 4096, Modes.none()); // EEXIST: wrong ioctl
                        return Resolution.from(resolver);
                    })
                    .start()) {
                uffd.writeProtect(region.address(), region.size()).orThrow();
                GuardedMemory mem = server.guarded(region);
                mem.setByte(4096, (byte) 9);                       // completes once the server gives up
                assertEquals((byte) 9, mem.getByte(4096));
                assertEquals(3, server.stats().handlerFailures());
                assertEquals(1, server.stats().gaveUp());
                assertEquals(3, calls.get());
            }
        }
    }
}
