package io.uffd4j.cli;

import io.uffd4j.Modes;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.UnguardedAccessException;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.GuardedMemory;
import io.uffd4j.serve.Resolution;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The example of README.md, verbatim between the markers, so that it keeps compiling and working. */
class ReadmeExampleTest {
    @Test
    void readmeShowsThisCode() throws IOException {
        List<String> readme = Files.readAllLines(Path.of("../README.md"));
        int start = readme.indexOf("```java");
        List<String> shown = readme.subList(start + 1, readme.subList(start, readme.size()).indexOf("```") + start)
                .stream().map(String::strip).toList();
        List<String> test = Files.readAllLines(Path.of("src/test/java/io/uffd4j/cli/ReadmeExampleTest.java"));
        int from = indexOfStripped(test, "// README begin"), to = indexOfStripped(test, "// README end");
        List<String> tested = test.subList(from + 1, to).stream().map(String::strip).toList();
        // The README closes the two blocks the test keeps open for its assertions.
        assertEquals(tested, shown.subList(0, shown.size() - 2));
        assertEquals(List.of("}", "}"), shown.subList(shown.size() - 2, shown.size()));
    }

    private static int indexOfStripped(List<String> lines, String wanted) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().equals(wanted)) {
                return i;
            }
        }
        throw new AssertionError("no line " + wanted);
    }

    @Test
    void readmeExample() {
        // README begin
        try (Userfaultfd uffd = Userfaultfd.open();                    // userfaultfd(2) or /dev/userfaultfd
             Mapping region = Mapping.anonymous(64 << 20);             // 64 MiB, no page populated yet
             Arena arena = Arena.ofShared()) {
            MemorySegment page = arena.allocate(4096, 4096);           // the handler's staging page
            try (FaultServer server = FaultServer.builder(uffd)
                    .serve(region, RegisterMode.MISSING)               // first touch of a page = a fault
                    .handler((fault, resolver) -> {                    // runs on the server's thread
                        page.fill((byte) (fault.pageOffset() >>> 12)); // produce the page...
                        resolver.copy(fault.pageAddress(), page.address(), 4096, Modes.none()); // ...UFFDIO_COPY it in
                        return Resolution.from(resolver);              // installed, or why not
                    })
                    .start()) {
                GuardedMemory memory = server.guarded(region);         // the way in while the region is served
                byte b = memory.getByte(5 * 4096 + 7);                 // faults in native state; b == 5
                // region.segment() throws UnguardedAccessException here: see docs/safepoints.md
                // README end
                assertEquals(5, b);
                assertThrows(UnguardedAccessException.class, region::segment);
                assertEquals(1, server.stats().missingFaults());
            }
        }
    }
}
