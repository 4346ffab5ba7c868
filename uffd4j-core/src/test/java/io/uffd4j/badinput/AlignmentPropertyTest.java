package io.uffd4j.badinput;

import io.uffd4j.ContinueMode;
import io.uffd4j.CopyMode;
import io.uffd4j.Feature;
import io.uffd4j.Ioctl;
import io.uffd4j.ModeFlag;
import io.uffd4j.Modes;
import io.uffd4j.MoveMode;
import io.uffd4j.PoisonMode;
import io.uffd4j.Progress;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.WriteProtectMode;
import io.uffd4j.ZeroPageMode;
import io.uffd4j.error.Errno;
import io.uffd4j.error.RangeArgumentException;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.selftest.Probe;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded-random properties (the seed is printed; rerun with -Duffd4j.seed=N):
 * <ul>
 *   <li>every mode flag, feature and ioctl carries the uapi value, and random flag sets reach the kernel
 *       with the meaning the uapi gives them;</li>
 *   <li>random (start, length) pairs are accepted exactly when start and length are page aligned, the
 *       length is positive and the range stays below 2^63, and otherwise refused with
 *       RangeArgumentException (an IllegalArgumentException) before the kernel is called (nothing changes).</li>
 * </ul>
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class AlignmentPropertyTest {
    static final long PAGE = PageSizes.base();
    static final int PAGES = 64;

    static long seed() {
        long seed = io.uffd4j.testkit.Seeds.seed("AlignmentPropertyTest");
        System.out.println("AlignmentPropertyTest seed=" + seed + " (rerun with -Duffd4j.seed=" + seed + ")");
        return seed;
    }

    /** linux/userfaultfd.h, by name. */
    static final Map<ModeFlag, Long> UAPI_MODE_BITS = Map.of(
            CopyMode.DONTWAKE, 1L, CopyMode.WP, 2L,
            ZeroPageMode.DONTWAKE, 1L,
            WriteProtectMode.WP, 1L, WriteProtectMode.DONTWAKE, 2L,
            ContinueMode.DONTWAKE, 1L, ContinueMode.WP, 2L,
            PoisonMode.DONTWAKE, 1L,
            MoveMode.DONTWAKE, 1L, MoveMode.ALLOW_SRC_HOLES, 2L);

    static final Map<String, Integer> UAPI_FEATURE_BITS = Map.ofEntries(
            Map.entry("PAGEFAULT_FLAG_WP", 0), Map.entry("EVENT_FORK", 1), Map.entry("EVENT_REMAP", 2),
            Map.entry("EVENT_REMOVE", 3), Map.entry("MISSING_HUGETLBFS", 4), Map.entry("MISSING_SHMEM", 5),
            Map.entry("EVENT_UNMAP", 6), Map.entry("SIGBUS", 7), Map.entry("THREAD_ID", 8),
            Map.entry("MINOR_HUGETLBFS", 9), Map.entry("MINOR_SHMEM", 10), Map.entry("EXACT_ADDRESS", 11),
            Map.entry("WP_HUGETLBFS_SHMEM", 12), Map.entry("WP_UNPOPULATED", 13), Map.entry("POISON", 14),
            Map.entry("WP_ASYNC", 15), Map.entry("MOVE", 16));

    static final Map<String, Integer> UAPI_IOCTL_NR = Map.of("REGISTER", 0x00, "UNREGISTER", 0x01, "WAKE", 0x02,
            "COPY", 0x03, "ZEROPAGE", 0x04, "MOVE", 0x05, "WRITEPROTECT", 0x06, "CONTINUE", 0x07, "POISON", 0x08, "API", 0x3F);

    @Test
    void flagsFeaturesAndIoctlsCarryTheUapiValues() {
        List<ModeFlag> all = new ArrayList<>();
        all.addAll(List.of(CopyMode.values()));
        all.addAll(List.of(ZeroPageMode.values()));
        all.addAll(List.of(WriteProtectMode.values()));
        all.addAll(List.of(ContinueMode.values()));
        all.addAll(List.of(PoisonMode.values()));
        all.addAll(List.of(MoveMode.values()));
        assertEquals(UAPI_MODE_BITS.size(), all.size(), "every mode flag is in the uapi table");
        for (ModeFlag f : all) {
            assertEquals(UAPI_MODE_BITS.get(f), f.bit(), f.getClass().getSimpleName() + "." + f);
        }
        assertEquals(UAPI_FEATURE_BITS.size(), Feature.values().length);
        for (Feature f : Feature.values()) {
            assertEquals(UAPI_FEATURE_BITS.get(f.name()), f.bit(), f.kernelName());
        }
        assertEquals(UAPI_IOCTL_NR.size(), Ioctl.values().length);
        for (Ioctl i : Ioctl.values()) {
            assertEquals(UAPI_IOCTL_NR.get(i.name()), i.nr(), i.kernelName());
        }
        assertEquals(List.of(RegisterMode.MISSING, RegisterMode.WP, RegisterMode.MINOR), List.of(RegisterMode.values()));
    }

    @SafeVarargs
    static <M extends Enum<M> & ModeFlag> Modes<M> randomModes(SplittableRandom rnd, Class<M> type, M... exclude) {
        EnumSet<M> s = EnumSet.noneOf(type);
        for (M m : type.getEnumConstants()) {
            if (rnd.nextBoolean() && !List.of(exclude).contains(m)) {
                s.add(m);
            }
        }
        Modes<M> modes = Modes.of(s);
        for (M m : type.getEnumConstants()) {
            assertEquals(s.contains(m), modes.contains(m), "Modes.of(" + s + ").contains(" + m + ")");
        }
        assertEquals(s, modes.flags());
        return modes;
    }

    /** Random flag sets sent to the kernel have the effect the uapi gives each flag. */
    @Test
    void randomFlagSetsMeanWhatTheUapiSays() {
        long seed = seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Mapping wp = Mapping.anonymous(PAGES * PAGE);
             Mapping missingOnly = Mapping.anonymous(PAGES * PAGE);
             Mapping src = Mapping.anonymous(PAGES * PAGE);
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.PAGEFAULT_FLAG_WP, Feature.MOVE).build();
             Arena arena = Arena.ofConfined()) {
            uffd.register(wp.address(), wp.size(), EnumSet.of(RegisterMode.MISSING, RegisterMode.WP));
            uffd.register(missingOnly.address(), missingOnly.size(), EnumSet.of(RegisterMode.MISSING));
            src.advise(io.uffd4j.mm.Advice.NOHUGEPAGE);
            MemorySegment page = arena.allocate(PAGE, PAGE);
            page.fill((byte) 0x3C);
            for (int p = 0; p < PAGES; p++) {
                String at = "seed " + seed + " page " + p;
                Modes<CopyMode> copy = randomModes(rnd, CopyMode.class);
                // COPY: WP maps the page write-protected, and is invalid where WP is not registered.
                Progress c = uffd.copy(wp.address() + p * PAGE, page, copy);
                assertEquals(Errno.NONE, c.error(), at + " " + copy);
                assertEquals(copy.contains(CopyMode.WP), Probe.uffdWriteProtected(wp.address() + p * PAGE), at + " " + copy);
                Progress m = uffd.copy(missingOnly.address() + p * PAGE, page, copy);
                assertEquals(copy.contains(CopyMode.WP) ? Errno.EINVAL : Errno.NONE, m.error(), at + " " + copy);
                // WRITEPROTECT: WP protects, its absence unprotects (DONTWAKE only allowed without WP).
                Modes<WriteProtectMode> w = rnd.nextBoolean()
                        ? Modes.of(WriteProtectMode.WP)
                        : randomModes(rnd, WriteProtectMode.class, WriteProtectMode.WP);
                assertEquals(Errno.NONE, uffd.writeProtect(wp.address() + p * PAGE, PAGE, w).error(), at + " " + w);
                assertEquals(w.contains(WriteProtectMode.WP), Probe.uffdWriteProtected(wp.address() + p * PAGE), at + " " + w);
                // MOVE: ALLOW_SRC_HOLES turns a hole into success (src has holes at odd pages); a page moves either way.
                Modes<MoveMode> mv = randomModes(rnd, MoveMode.class);
                Mapping fresh = Mapping.anonymous(PAGE);
                try {
                    uffd.register(fresh.address(), PAGE, EnumSet.of(RegisterMode.MISSING));
                    boolean hole = p % 2 == 1;
                    if (!hole) {
                        src.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG, p * PAGE, 0x5EED0000L + p);
                    }
                    Progress h = uffd.move(fresh.address(), src.address() + p * PAGE, PAGE, mv);
                    Errno want = !hole || mv.contains(MoveMode.ALLOW_SRC_HOLES) ? Errno.NONE : Errno.ENOENT;
                    assertEquals(want, h.error(), at + " hole=" + hole + " " + mv);
                    assertEquals(!hole, Probe.present(fresh.address()), at + " " + mv);
                    if (!hole) {
                        assertEquals(0x5EED0000L + p, io.uffd4j.selftest.NativeAccess.readLong(fresh.address()), at);
                    }
                } finally {
                    fresh.close();
                }
            }
        }
    }

    /** A (start, length) pair of one of the kinds the generator draws. */
    record Case(long start, long length, boolean valid, String kind) {}

    static Case draw(SplittableRandom rnd, long base) {
        int page = rnd.nextInt(PAGES);
        int pages = 1 + rnd.nextInt(PAGES - page);
        long start = base + page * PAGE;
        long length = pages * PAGE;
        return switch (rnd.nextInt(9)) {
            case 0, 1, 2 -> new Case(start, length, true, "aligned");
            case 3 -> new Case(start + 1 + rnd.nextLong(PAGE - 1), length, false, "misaligned start");
            case 4 -> new Case(start, length - 1 - rnd.nextLong(PAGE - 1), false, "misaligned length");
            case 5 -> new Case(start, 0, false, "zero length");
            case 6 -> new Case(start, -(1 + rnd.nextLong(Long.MAX_VALUE)), false, "negative length");
            case 7 -> new Case((Long.MAX_VALUE & -PAGE) - rnd.nextLong(4) * PAGE, (5 + rnd.nextLong(1000)) * PAGE, false, "wraps past 2^63");
            default -> new Case(-(1 + rnd.nextLong(1000)) * PAGE, PAGE * (1 + rnd.nextLong(4)), false, "start above 2^63");
        };
    }

    /** The library's rule, restated from the uapi (not from the implementation). */
    static boolean aligned(long start, long length) {
        return length > 0 && start % PAGE == 0 && length % PAGE == 0 && start >= 0 && start + length > start;
    }

    @Test
    void randomRangesAreAcceptedOrRefusedExactlyByTheAlignmentRules() {
        long seed = seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Mapping m = Mapping.anonymous(PAGES * PAGE);
             Mapping src = Mapping.anonymous(PAGES * PAGE);
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.PAGEFAULT_FLAG_WP, Feature.MOVE, Feature.POISON).build();
             Arena arena = Arena.ofConfined()) {
            long base = m.address();
            uffd.register(base, m.size(), EnumSet.of(RegisterMode.MISSING, RegisterMode.WP));
            boolean[] registered = new boolean[PAGES];
            Arrays.fill(registered, true);
            MemorySegment buffer = arena.allocate(PAGES * PAGE, PAGE);
            Map<Ioctl, Integer> accepted = new HashMap<>();
            Map<Ioctl, Integer> refused = new HashMap<>();
            List<Ioctl> ops = List.of(Ioctl.REGISTER, Ioctl.UNREGISTER, Ioctl.COPY, Ioctl.ZEROPAGE, Ioctl.MOVE,
                    Ioctl.WRITEPROTECT, Ioctl.POISON, Ioctl.WAKE);
            for (int i = 0; i < 3000; i++) {
                Case c = draw(rnd, base);
                Ioctl op = ops.get(rnd.nextInt(ops.size()));
                String what = "seed " + seed + " iteration " + i + ": " + op + " " + c.kind() + " (0x"
                        + Long.toHexString(c.start()) + ", " + c.length() + ")";
                assertEquals(aligned(c.start(), c.length()), c.valid(), what + ": generator and rule disagree");
                long[] before = Probe.pagemap(base, PAGES);
                try {
                    Errno e = call(uffd, op, c.start(), c.length(), buffer, src.address() + (c.start() - base));
                    if (!c.valid()) {
                        fail(what + ": accepted (kernel said " + e + ")");
                    }
                    int first = (int) ((c.start() - base) / PAGE);
                    int count = (int) (c.length() / PAGE);
                    if (op != Ioctl.MOVE || moveCanSucceed(registered, first, count, c.start(), src.address() + (c.start() - base), c.length())) {
                        assertNotEquals(Errno.EINVAL, e, what + ": a well-formed range inside the mapping");
                    }
                    accepted.merge(op, 1, Integer::sum);
                    if (e == Errno.NONE && (op == Ioctl.REGISTER || op == Ioctl.UNREGISTER)) {
                        Arrays.fill(registered, first, first + count, op == Ioctl.REGISTER);
                    }
                } catch (RangeArgumentException e) {
                    if (c.valid()) {
                        fail(what + ": refused: " + e.getMessage());
                    }
                    assertEquals(op.kernelName(), e.operation(), what);
                    assertEquals(c.start(), e.start(), what);
                    assertEquals(c.length(), e.length(), what);
                    assertTrue(e.getMessage().contains(op.kernelName()) && e.getMessage().contains("0x" + Long.toHexString(c.start())),
                            what + ": " + e.getMessage());
                    assertArrayEquals(before, Probe.pagemap(base, PAGES), what + ": a refusal changed the pagemap");
                    refused.merge(op, 1, Integer::sum);
                }
            }
            System.out.println("accepted " + accepted + "\nrefused " + refused);
            for (Ioctl op : ops) {
                assertTrue(accepted.getOrDefault(op, 0) > 20 && refused.getOrDefault(op, 0) > 20, op + " drawn too rarely");
            }
            // Refused REGISTER/UNREGISTER calls changed nothing either: the model of accepted ones matches the kernel.
            for (int p = 0; p < PAGES; p++) {
                assertEquals(registered[p], Probe.registered(base + p * PAGE, PAGE), "seed " + seed + ": registration of page " + p);
            }
        }
    }

    /**
     * UFFDIO_MOVE also needs each of its ranges inside one VMA and the destination registered (else EINVAL).
     * Registering and unregistering parts split the mapping into VMAs the kernel does not always merge
     * back, so this reads the VMA layout from /proc/self/maps instead of predicting it.
     */
    static boolean moveCanSucceed(boolean[] registered, int first, int count, long dst, long src, long length) {
        for (int p = first; p < first + count; p++) {
            if (!registered[p]) {
                return false;
            }
        }
        return Vmas.withinOne(dst, length) && Vmas.withinOne(src, length);
    }

    private static Errno call(Userfaultfd uffd, Ioctl op, long start, long length, MemorySegment buffer, long source) {
        return switch (op) {
            case REGISTER -> {
                uffd.register(start, length, EnumSet.of(RegisterMode.MISSING, RegisterMode.WP));
                yield Errno.NONE;
            }
            case UNREGISTER -> {
                uffd.unregister(start, length);
                yield Errno.NONE;
            }
            case COPY -> uffd.resolver().copy(start, buffer.address(), length, Modes.none());
            case ZEROPAGE -> uffd.zeroPage(start, length).error();
            case MOVE -> uffd.move(start, source, length, Modes.of(MoveMode.ALLOW_SRC_HOLES)).error();
            case WRITEPROTECT -> uffd.writeProtect(start, length, Modes.of(WriteProtectMode.WP)).error();
            case POISON -> uffd.poison(start, length, Modes.none()).error();
            case WAKE -> uffd.wake(start, length).error();
            default -> throw new AssertionError(op);
        };
    }
}
