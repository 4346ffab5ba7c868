package io.uffd4j.pager;

import io.uffd4j.ipc.ProcessMemory;
import io.uffd4j.pager.source.SourceSpec;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static io.uffd4j.pager.Verify.PAGE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.*;

/**
 * What a reader outside the application's threads sees of an unfilled page (documented in
 * docs/pager.md, failure handling): {@code /proc/PID/mem} gets EIO (the kernel does not wait in a
 * userfault for that kind of access), while {@code process_vm_readv} waits for the pager like an
 * application thread and reads the right bytes. Neither fills nor damages the page.
 */
class OutsideReadersTest {
    @Test
    void procMemGetsEioOnAnUnfilledPageAndProcessVmReadvWaitsForIt() throws Exception {
        long seed = 77;
        long size = 1L << 20;
        try (Pager pager = Pager.launch();
             LazyRegion r = LazyRegion.builder(size).source(SourceSpec.generator(seed, size)).pager(pager).open();
             Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(PAGE, PAGE);
            long unfilled = r.address() + 5 * PAGE;
            try (FileChannel mem = FileChannel.open(Path.of("/proc/self/mem"), StandardOpenOption.READ)) {
                IOException e = assertThrows(IOException.class, () -> mem.read(ByteBuffer.allocate((int) PAGE), unfilled));
                System.out.println("/proc/self/mem on an unfilled page: " + e);
                assertTrue(String.valueOf(e.getMessage()).contains("Input/output error"), e::toString);
            }
            try (ProcessMemory self = ProcessMemory.self()) {
                assertEquals(PAGE, self.read(r.address() + 6 * PAGE, buf));
            }
            for (long o = 0; o < PAGE; o += 8) {
                assertEquals(Verify.expected(seed, size, 6 * PAGE + o), buf.get(JAVA_LONG, o), "process_vm_readv at " + o);
            }
            Verify.page(r.segment(), seed, size, 5);
            Verify.page(r.segment(), seed, size, 6);
        }
    }
}
