package io.uffd4j.badinput;

import io.uffd4j.serve.Resolution;
import io.uffd4j.ContinueMode;
import io.uffd4j.CopyMode;
import io.uffd4j.Feature;
import io.uffd4j.Ioctl;
import io.uffd4j.Modes;
import io.uffd4j.MoveMode;
import io.uffd4j.PoisonMode;
import io.uffd4j.Progress;
import io.uffd4j.RegisterMode;
import io.uffd4j.Resolver;
import io.uffd4j.Userfaultfd;
import io.uffd4j.WriteProtectMode;
import io.uffd4j.ZeroPageMode;
import io.uffd4j.error.BadAddressException;
import io.uffd4j.error.Errno;
import io.uffd4j.error.InvalidRequestException;
import io.uffd4j.error.RangeArgumentException;
import io.uffd4j.error.NotMappedException;
import io.uffd4j.ipc.ProcessMemory;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.Memfd;
import io.uffd4j.mm.Memory;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.selftest.Probe;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.GuardedMemory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongBinaryOperator;

import static io.uffd4j.badinput.Refusal.assertArgumentRefused;
import static io.uffd4j.badinput.Refusal.assertRefused;
import static io.uffd4j.badinput.Refusal.assertRefusedNaming;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Misaligned starts, misaligned, zero, negative and wrapping lengths, and ranges outside any mapping,
 * given to every operation that takes a range. Library-checked rules are refused with
 * RangeArgumentException before the kernel is called; ranges outside any mapping reach the kernel and
 * come back as its errno. Every refusal names the operation and the range and changes nothing: the
 * pagemap of the test mapping and its registration are compared before and after each one.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RangeRefusalTest {
    static final long PAGE = PageSizes.base();
    static final int PAGES = 16;

    Mapping mapping;
    Mapping source;
    Userfaultfd uffd;
    Arena arena;
    MemorySegment buffer;
    long base;

    @BeforeEach
    void setUp() {
        mapping = Mapping.anonymous(PAGES * PAGE);
        source = Mapping.anonymous(PAGES * PAGE);
        uffd = Userfaultfd.builder().features(Feature.PAGEFAULT_FLAG_WP, Feature.MOVE, Feature.POISON).build();
        arena = Arena.ofShared();
        buffer = arena.allocate(PAGE, PAGE);
        base = mapping.address();
        uffd.register(base, 8 * PAGE, EnumSet.of(RegisterMode.MISSING, RegisterMode.WP));
        uffd.zeroPage(base + PAGE, PAGE).orThrow();
        source.segment().fill((byte) 3);
    }

    @AfterEach
    void tearDown() {
        uffd.close();
        arena.close();
        mapping.close();
        source.close();
    }

    /** A range-taking operation under a name, as (start, length) -> ignored. */
    interface RangeOp {
        void call(long start, long length);
    }

    Map<Ioctl, RangeOp> userfaultfdOps() {
        Map<Ioctl, RangeOp> ops = new LinkedHashMap<>();
        ops.put(Ioctl.REGISTER, (s, l) -> uffd.register(s, l, EnumSet.of(RegisterMode.MISSING)));
        ops.put(Ioctl.UNREGISTER, (s, l) -> uffd.unregister(s, l));
        ops.put(Ioctl.COPY, (s, l) -> uffd.resolver().copy(s, buffer.address(), l, Modes.<CopyMode>none()));
        ops.put(Ioctl.ZEROPAGE, (s, l) -> uffd.zeroPage(s, l, Modes.<ZeroPageMode>none()));
        ops.put(Ioctl.MOVE, (s, l) -> uffd.move(s, source.address(), l, Modes.<MoveMode>none()));
        ops.put(Ioctl.WRITEPROTECT, (s, l) -> uffd.writeProtect(s, l, Modes.of(WriteProtectMode.WP)));
        ops.put(Ioctl.CONTINUE, (s, l) -> uffd.continueRange(s, l, Modes.<ContinueMode>none()));
        ops.put(Ioctl.POISON, (s, l) -> uffd.poison(s, l, Modes.<PoisonMode>none()));
        ops.put(Ioctl.WAKE, (s, l) -> uffd.wake(s, l));
        return ops;
    }

    /** The state a refusal must not change. */
    record State(long[] pagemap, boolean registeredHead, boolean registeredTail) {
        @Override
        public boolean equals(Object o) {
            return o instanceof State s && Arrays.equals(pagemap, s.pagemap)
                    && registeredHead == s.registeredHead && registeredTail == s.registeredTail;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(pagemap);
        }

        @Override
        public String toString() {
            return "pagemap " + Arrays.toString(pagemap) + " registered " + registeredHead + "/" + registeredTail;
        }
    }

    State state() {
        return new State(Probe.pagemap(base, PAGES), Probe.registered(base, 8 * PAGE), Probe.registered(base + 8 * PAGE, 8 * PAGE));
    }

    @Test
    void libraryCheckedRangesAreRefusedBeforeTheKernel() {
        State before = state();
        long[][] bad = {
                {base + 1, PAGE},                 // misaligned start
                {base + PAGE / 2, 2 * PAGE},      // misaligned start
                {base, PAGE + 1},                 // misaligned length
                {base, PAGE - 1},                 // shorter than a page
                {base, 0},                        // zero
                {base, -PAGE},                    // negative
                {base, Long.MIN_VALUE},           // most negative
                {0x7fff_ffff_ffff_f000L, 2 * PAGE},  // wraps past the top of the address space
                {-PAGE, 2 * PAGE},                // "negative" start that wraps to zero
        };
        for (Map.Entry<Ioctl, RangeOp> op : userfaultfdOps().entrySet()) {
            for (long[] r : bad) {
                String what = op.getKey() + " on (0x" + Long.toHexString(r[0]) + ", " + r[1] + ")";
                RangeArgumentException e = assertArgumentRefused(op.getKey().kernelName(),
                        r[0], r[1], () -> op.getValue().call(r[0], r[1]));
                assertTrue(e.getMessage().contains("length " + r[1] + ":"), () -> what + ": " + e.getMessage());
            }
        }
        assertEquals(before, state(), "refusals changed nothing");
    }

    @Test
    void misalignedMoveSourceIsRefused() {
        State before = state();
        RangeArgumentException e = assertArgumentRefused("UFFDIO_MOVE", source.address() + 8, PAGE,
                () -> uffd.move(base, source.address() + 8, PAGE, Modes.none()));
        assertTrue(e.getMessage().contains("destination 0x" + Long.toHexString(base)), e.getMessage());
        assertEquals(before, state());
    }

    @Test
    void resolverChecksTheSameRules() {
        Resolver r = uffd.newResolver();
        LongBinaryOperator[] calls = {
                (s, l) -> r.copy(s, buffer.address(), l, Modes.none()).code(),
                (s, l) -> r.zeroPage(s, l, Modes.none()).code(),
                (s, l) -> r.move(s, source.address(), l, Modes.none()).code(),
                (s, l) -> r.continueRange(s, l, Modes.none()).code(),
                (s, l) -> r.poison(s, l, Modes.none()).code(),
                (s, l) -> r.writeProtect(s, l, Modes.none()).code(),
                (s, l) -> r.wake(s, l).code(),
        };
        State before = state();
        for (LongBinaryOperator c : calls) {
            r.reset();
            assertThrows(RangeArgumentException.class, () -> c.applyAsLong(base + 3, PAGE));
            assertThrows(RangeArgumentException.class, () -> c.applyAsLong(base, 0));
            assertThrows(RangeArgumentException.class, () -> c.applyAsLong(base, -PAGE));
            assertEquals(null, r.lastOperation(), "a refused call is not recorded as a kernel call");
        }
        assertEquals(before, state());
    }

    /** An address range with no mapping: far below where mmap places mappings, far above the heap. */
    static long unmappedAddress() throws Exception {
        long candidate = 0x1000_0000_0000L;
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            long lo = Long.parseUnsignedLong(range[0], 16);
            long hi = Long.parseUnsignedLong(range[1], 16);
            if (lo < candidate + (1 << 20) && hi > candidate) {
                throw new IllegalStateException("0x" + Long.toHexString(candidate) + " is mapped: " + line);
            }
        }
        return candidate;
    }

    @Test
    void rangesOutsideAnyMappingComeBackFromTheKernel() throws Exception {
        long far = unmappedAddress();
        State before = state();
        // Registration: EINVAL (no compatible mapping covers the range).
        assertRefused(InvalidRequestException.class, "UFFDIO_REGISTER", far, PAGE,
                () -> uffd.register(far, PAGE, EnumSet.of(RegisterMode.MISSING)));
        assertRefused(InvalidRequestException.class, "UFFDIO_UNREGISTER", far, PAGE, () -> uffd.unregister(far, PAGE));
        // Resolving ioctls: ENOENT, reported in Progress and thrown by orThrow.
        Map<String, Progress> results = new LinkedHashMap<>();
        results.put("UFFDIO_COPY", uffd.copy(far, buffer));
        results.put("UFFDIO_ZEROPAGE", uffd.zeroPage(far, PAGE));
        results.put("UFFDIO_MOVE", uffd.move(far, source.address(), PAGE, Modes.none()));
        results.put("UFFDIO_WRITEPROTECT", uffd.writeProtect(far, PAGE, Modes.of(WriteProtectMode.WP)));
        results.put("UFFDIO_CONTINUE", uffd.continueRange(far, PAGE, Modes.none()));
        results.put("UFFDIO_POISON", uffd.poison(far, PAGE, Modes.none()));
        for (Map.Entry<String, Progress> r : results.entrySet()) {
            assertEquals(Errno.ENOENT, r.getValue().error(), r.getKey());
            assertEquals(0, r.getValue().bytesDone(), r.getKey());
            assertRefused(NotMappedException.class, r.getKey(), far, PAGE, r.getValue()::orThrow);
        }
        // A MOVE whose source is outside any mapping.
        Progress srcFar = uffd.move(base + 2 * PAGE, far, PAGE, Modes.none());
        assertEquals(Errno.ENOENT, srcFar.error());
        // WAKE does not look at mappings at all; unprotecting reports ENOENT like every other verb.
        assertEquals(Errno.NONE, uffd.wake(far, PAGE).error());
        Progress unprotect = uffd.unprotect(far, PAGE);
        assertEquals(Errno.ENOENT, unprotect.error());
        assertRefused(NotMappedException.class, "UFFDIO_WRITEPROTECT", far, PAGE, unprotect::orThrow);
        assertEquals(before, state(), "nothing changed");
    }

    @Test
    void rangesCrossingTheEndOfTheRegisteredPartAreRefused() {
        State before = state();
        // [7, 9) crosses from the registered [0, 8) into the unregistered tail: ENOENT, nothing done.
        uffd.resolver().copy(base + 7 * PAGE, buffer.address(), 2 * PAGE, Modes.none());
        Progress copy = uffd.resolver().progress();
        assertEquals(Errno.ENOENT, copy.error());
        assertEquals(0, copy.bytesDone());
        assertEquals(Errno.ENOENT, uffd.zeroPage(base + 7 * PAGE, 2 * PAGE).error());
        // Past the end of the mapping itself.
        assertEquals(Errno.ENOENT, uffd.zeroPage(base + (PAGES - 1) * PAGE, 2 * PAGE).error());
        assertEquals(before, state());
    }

    @Test
    void copyFromABadSourceIsEfault() {
        State before = state();
        uffd.resolver().copy(base + 2 * PAGE, 0, PAGE, Modes.none());
        Progress p = uffd.resolver().progress();
        assertEquals(Errno.EFAULT, p.error());
        assertRefused(BadAddressException.class, "UFFDIO_COPY", base + 2 * PAGE, PAGE, p::orThrow);
        assertArgumentRefused("UFFDIO_COPY", base + 2 * PAGE, PAGE,
                () -> uffd.copy(base + 2 * PAGE, MemorySegment.ofArray(new byte[(int) PAGE])));
        assertEquals(before, state());
    }

    @Test
    void mappingMemoryAndMemfdRanges() {
        long addr = mapping.address();
        assertArgumentRefused("madvise(MADV_DONTNEED)", addr + 1, PAGE,
                () -> mapping.advise(1, PAGE, Advice.DONTNEED));
        assertArgumentRefused("madvise(MADV_DONTNEED)", addr, 0, () -> mapping.advise(0, 0, Advice.DONTNEED));
        assertArgumentRefused("madvise(MADV_DONTNEED)", addr + PAGES * PAGE, PAGE,
                () -> mapping.advise(PAGES * PAGE, PAGE, Advice.DONTNEED));
        assertArgumentRefused("madvise(MADV_DONTNEED)", addr - PAGE, PAGE,
                () -> mapping.advise(-PAGE, PAGE, Advice.DONTNEED));
        assertArgumentRefused("madvise(MADV_DONTNEED)", addr + PAGE, Long.MAX_VALUE - PAGE + 1,
                () -> mapping.advise(PAGE, Long.MAX_VALUE - PAGE + 1, Advice.DONTNEED));
        assertTrue(Probe.present(base + PAGE), "the refused DONTNEEDs dropped nothing");
        // Memory.madvise has no mapping to check against: the kernel's EINVAL.
        assertRefused(InvalidRequestException.class, "madvise(MADV_DONTNEED)", addr + 1, PAGE,
                () -> Memory.madvise(addr + 1, PAGE, Advice.DONTNEED));
        // Sizes of new mappings and memfds: the message names the operation and the size.
        assertRefusedNaming(RangeArgumentException.class, "mmap", "size 0 ", () -> Mapping.anonymous(0));
        assertRefusedNaming(RangeArgumentException.class, "mmap", "size 4097 ", () -> Mapping.anonymous(PAGE + 1));
        assertRefusedNaming(RangeArgumentException.class, "mmap", "size -4096 ", () -> Mapping.anonymous(-PAGE));
        assertRefusedNaming(RangeArgumentException.class, "mmap(PROT_NONE)", "size 0 ", () -> Mapping.reserve(0, PAGE));
        assertRefusedNaming(IllegalArgumentException.class, "mmap", "was 3", () -> Mapping.anonymous(PAGE, 3));
        assertRefusedNaming(RangeArgumentException.class, "mmap(MAP_HUGETLB)", "size 4096 ", () -> Mapping.hugetlb(PAGE, 2L << 20));
        assertThrows(IndexOutOfBoundsException.class, () -> mapping.segment(PAGES * PAGE, 1));

        assertRefusedNaming(RangeArgumentException.class, "memfd_create", "size 0 ", () -> Memfd.create("bad", 0));
        assertRefusedNaming(RangeArgumentException.class, "memfd_create", "size 100 ", () -> Memfd.create("bad", 100));
        try (Memfd fd = Memfd.create("selftest-bad", 4 * PAGE)) {
            assertRefusedNaming(RangeArgumentException.class, "mmap", "[1, ", () -> fd.map(1, PAGE));
            assertRefusedNaming(RangeArgumentException.class, "mmap", "[0, 20480)", () -> fd.map(0, 5 * PAGE));
            assertRefusedNaming(RangeArgumentException.class, "mmap", "[4096, ", () -> fd.map(PAGE, Long.MAX_VALUE - PAGE + 1));
            assertRefusedNaming(RangeArgumentException.class, "fallocate", "[0, 0)", () -> fd.punchHole(0, 0));
            assertRefusedNaming(RangeArgumentException.class, "pwrite", "[16384, 20480)", () -> fd.write(4 * PAGE, buffer));
            assertRefusedNaming(RangeArgumentException.class, "pwrite", "[-1, ", () -> fd.write(-1, buffer));
            assertRefusedNaming(RangeArgumentException.class, "pread", "[12289, ", () -> fd.read(3 * PAGE + 1, buffer));
            assertRefusedNaming(IllegalArgumentException.class, "pwrite", "native", () -> fd.write(0, MemorySegment.ofArray(new byte[8])));
            try (Mapping whole = fd.map()) {
                assertEquals(4 * PAGE, whole.size(), "the refused write did not grow the file");
            }
        }
    }

    @Test
    void guardedMemoryRanges() {
        try (Mapping served = Mapping.anonymous(4 * PAGE);
             Userfaultfd u = Userfaultfd.open();
             FaultServer server = FaultServer.builder(u).serve(served, RegisterMode.MISSING)
                     .handler((f, r) -> Resolution.from(r.zeroPage(f.pageAddress(), PAGE, Modes.none()), r))
                     .start()) {
            GuardedMemory g = server.guarded(served);
            long size = 4 * PAGE;
            assertRefusedNaming(IndexOutOfBoundsException.class, "guarded read", "[" + size + ", ", () -> g.getLong(size));
            assertRefusedNaming(IndexOutOfBoundsException.class, "guarded read", "[" + (size - 4) + ", ", () -> g.getLong(size - 4));
            assertRefusedNaming(IndexOutOfBoundsException.class, "guarded read", "[-8, ", () -> g.getLong(-8));
            assertRefusedNaming(IndexOutOfBoundsException.class, "guarded write", "[" + size + ", ", () -> g.setInt(size, 1));
            assertRefusedNaming(IndexOutOfBoundsException.class, "guarded read", "[4096, ",
                    () -> g.read(PAGE, MemorySegment.ofArray(new byte[(int) (4 * PAGE)])));
            assertRefusedNaming(IndexOutOfBoundsException.class, "guarded fill", "[0, ", () -> g.fill(0, size + 1, (byte) 1));
            assertRefusedNaming(IndexOutOfBoundsException.class, "guarded fill", "[8, ", () -> g.fill(8, Long.MAX_VALUE, (byte) 1));
            assertRefusedNaming(IllegalArgumentException.class, "discard", "[1, ", () -> g.discard(1, PAGE));
            assertRefusedNaming(IllegalArgumentException.class, "populate", "[0, 0)", () -> g.populate(0, 0, false));
            assertRefusedNaming(IndexOutOfBoundsException.class, "discard", "[0, ", () -> g.discard(0, size + PAGE));
            assertEquals(0, server.stats().faults(), "no refused access reached memory");
            assertFalse(Probe.present(served.address()));
        }
    }

    @Test
    void processMemoryRanges() throws Exception {
        long far = unmappedAddress();
        try (ProcessMemory self = ProcessMemory.self()) {
            assertRefused(BadAddressException.class, "process_vm_readv", far, 8, () -> self.read(far, buffer.address(), 8));
            assertRefused(BadAddressException.class, "process_vm_writev", far, 8, () -> self.write(far, buffer.address(), 8));
        }
        byte[] untouched = new byte[8];
        assertArrayEquals(untouched, buffer.asSlice(0, 8).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }
}
