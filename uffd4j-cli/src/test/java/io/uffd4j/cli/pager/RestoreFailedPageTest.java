package io.uffd4j.cli.pager;

import io.uffd4j.internal.ChildJvm;
import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.region.Prefetch;
import io.uffd4j.pager.source.Checksums;
import io.uffd4j.testkit.ChildRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./uffd4j restore IMAGE} with an {@code IMAGE.crc32c} file and one flipped byte in page 100: the
 * pager poisons that page, and the command's own verification must report it instead of ending the JVM
 * (its CRC32C ran over the region and crashed in HotSpot's updateBytesCRC32C stub). Run in a child JVM so
 * a crash fails this test rather than ending the test JVM.
 */
@Timeout(value = 3, unit = java.util.concurrent.TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RestoreFailedPageTest {
    static final long PAGE = 4096;
    static final long FLIPPED_PAGE = 100;

    @Test
    void verificationNamesThePoisonedPageAndTheJvmLives() throws Exception {
        ChildRun.Result r = ChildRun.run(ChildJvm::command, null, List.of("-Xmx128m"), RestoreChild.class, List.of(), Duration.ofMinutes(2));
        System.out.println(r.output());
        assertFalse(r.timedOut(), r::describe);
        assertNull(r.hsErr(), () -> "the JVM crashed: " + r.describe());
        assertEquals(0, r.exitCode(), r::describe);
        assertTrue(r.output().contains("RESTORE RESULT false"), r::describe);
        assertTrue(r.output().contains("verify: page at offset " + FLIPPED_PAGE * PAGE + " failed: poisoned"), r::describe);
        assertTrue(r.output().contains("failure: page at offset " + FLIPPED_PAGE * PAGE), r::describe);
    }

    /** Writes a 4 MiB image with checksums, flips a byte of page 100 on disk, restores it. */
    public static final class RestoreChild {
        public static void main(String[] args) throws Exception {
            Path dir = Files.createTempDirectory("uffd4j-restore-failed");
            Path image = dir.resolve("img.raw");
            try {
                LazyRestoreDemo.writeImage(image, 4L << 20);
                Checksums.writeChecksumFile(image, PAGE);
                try (FileChannel ch = FileChannel.open(image, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
                    ByteBuffer b = ByteBuffer.allocate(1);
                    ch.read(b, FLIPPED_PAGE * PAGE + 100);
                    b.put(0, (byte) ~b.get(0)).rewind();
                    ch.write(b, FLIPPED_PAGE * PAGE + 100);
                }
                ByteArrayOutputStream text = new ByteArrayOutputStream();
                boolean ok = LazyRestore.restore(image, Prefetch.SEQUENTIAL, Backing.PRIVATE_ANONYMOUS, null, 2000, false,
                        new PrintStream(text, true, StandardCharsets.UTF_8));
                System.out.print(text.toString(StandardCharsets.UTF_8));
                System.out.println("RESTORE RESULT " + ok);
            } finally {
                Files.deleteIfExists(Checksums.checksumFile(image));
                Files.deleteIfExists(image);
                Files.deleteIfExists(dir);
            }
            System.out.flush();
        }
    }
}
