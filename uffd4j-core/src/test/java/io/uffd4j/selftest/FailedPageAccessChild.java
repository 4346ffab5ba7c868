package io.uffd4j.selftest;

import io.uffd4j.Feature;
import io.uffd4j.Modes;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;

/**
 * Child JVM of {@link FailedPageAccessTest}: page 1 of a registered 4-page region is poisoned, the others
 * hold data. Runs one {@link FailedPageAccess} on page 1 cold (unless {@code warm} is asked), then again
 * after warming it up on page 0, printing {@code COLD|WARM OUTCOME <exception class>} or
 * {@code ... OUTCOME returned}; a crash prints nothing more. Arguments: access name, {@code both} or
 * {@code warm}, a scratch directory.
 */
public final class FailedPageAccessChild {
    private static void attempt(String phase, FailedPageAccess access, FailedPageAccess.Context failed) {
        try {
            access.access.run(failed);
            System.out.println(phase + " OUTCOME returned " + FailedPageAccess.Sink.value);
        } catch (Throwable t) {
            System.out.println(phase + " OUTCOME " + t.getClass().getName());
            System.out.println(phase + " MESSAGE " + t);
        }
        System.out.flush();
    }

    public static void main(String[] args) throws Exception {
        FailedPageAccess access = FailedPageAccess.valueOf(args[0]);
        boolean warmOnly = args[1].equals("warm");
        long page = PageSizes.base();
        try (Mapping m = Mapping.anonymous(4 * page);
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.POISON).build();
             Arena staging = Arena.ofConfined();
             FileChannel file = FileChannel.open(Path.of(args[2], "scratch.bin"), StandardOpenOption.CREATE,
                     StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.MISSING));
            MemorySegment content = staging.allocate(page, page).fill((byte) 'x');
            content.set(java.lang.foreign.ValueLayout.JAVA_BYTE, page - 1, (byte) 0);   // strings end within a page
            for (int p = 0; p < 4; p++) {
                if (p == 1) {
                    uffd.poison(m.address() + page, page, Modes.none()).orThrow();
                } else {
                    uffd.copy(m.address() + p * page, content, Modes.none()).orThrow();
                }
            }
            MemorySegment region = m.segment();
            Arena arena = Arena.ofAuto();
            FailedPageAccess.Context failed = new FailedPageAccess.Context(region, page, page, arena, file);
            if (!warmOnly) {
                attempt("COLD", access, failed);
            }
            FailedPageAccess.Context sound = new FailedPageAccess.Context(region, 0, page, arena, file);
            for (int i = 0; i < FailedPageAccess.WARM_UP; i++) {
                access.access.run(sound);
            }
            attempt("WARM", access, failed);
        }
        System.out.flush();
    }
}
