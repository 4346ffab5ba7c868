package io.uffd4j.snapshot.image;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.*;

class ImageFormatTest {
    static final int PAGE = 4096;

    static void stamp(MemorySegment page, long pageIndex, long version) {
        for (long o = 0; o < PAGE; o += 16) {
            page.set(JAVA_LONG, o, pageIndex);
            page.set(JAVA_LONG, o + 8, version);
        }
    }

    @Test
    void roundTripsPagesInAnyOrderWithZeroElision(@TempDir Path dir) throws IOException {
        long pages = 300;
        Path file = dir.resolve("full" + ImageFormat.EXTENSION);
        long seed = io.uffd4j.testkit.Seeds.seed("ImageFormatTest");
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] order = rnd.ints(0, (int) pages).distinct().limit(pages).toArray();
        try (Arena a = Arena.ofConfined(); ImageWriter w = ImageWriter.create(file, ImageHeader.full(pages * PAGE, PAGE))) {
            MemorySegment buf = a.allocate(PAGE, PAGE);
            for (int p : order) {
                if (p % 7 == 0) {
                    buf.fill((byte) 0);
                } else {
                    stamp(buf, p, 1);
                }
                w.writePage(p, buf);
            }
            assertTrue(Files.exists(ImageWriter.partialOf(file)));
            assertFalse(Files.exists(file));
            ImageInfo info = w.complete();
            assertEquals(pages, info.dataPages() + info.zeroPages(), "seed " + seed);
            assertEquals((pages + 6) / 7, info.zeroPages(), "seed " + seed);
        }
        assertFalse(Files.exists(ImageWriter.partialOf(file)));
        ImageInfo light = SnapshotImage.readInfo(file);
        try (Arena a = Arena.ofConfined(); SnapshotImage img = SnapshotImage.open(file)) {
            assertEquals(img.info(), light, "readInfo (header and footer only) agrees with open");
            img.verify();
            MemorySegment buf = a.allocate(PAGE, PAGE);
            for (long p = 0; p < pages; p++) {
                img.readPage(p, buf);
                if (p % 7 == 0) {
                    assertEquals(PageState.ZERO, img.state(p));
                    assertEquals(-1, buf.mismatch(a.allocate(PAGE)));
                } else {
                    assertEquals(PageState.DATA, img.state(p));
                    assertEquals(p, buf.get(JAVA_LONG, 0));
                    assertEquals(1, buf.get(JAVA_LONG, PAGE - 8));
                    assertEquals(0, img.dataOffset(p) % PAGE);
                }
            }
        }
    }

    @Test
    void interruptedImageIsNeverAccepted(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("cut" + ImageFormat.EXTENSION);
        ImageWriter w = ImageWriter.create(file, ImageHeader.full(8L * PAGE, PAGE));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(PAGE, PAGE);
            stamp(buf, 0, 1);
            w.writePage(0, buf);
        }
        // simulate a crash: the partial file stays, nothing renamed
        Path partial = ImageWriter.partialOf(file);
        assertThrows(IncompleteImageException.class, () -> SnapshotImage.open(partial));
        assertThrows(IncompleteImageException.class, () -> SnapshotImage.readInfo(partial));
        assertFalse(Files.exists(file));
        // even renamed by hand, it has no completion footer
        Files.copy(partial, file);
        assertThrows(IncompleteImageException.class, () -> SnapshotImage.open(file));
        assertThrows(IncompleteImageException.class, () -> SnapshotImage.readInfo(file));
        w.abort();
        assertFalse(Files.exists(partial));
    }

    @Test
    void fullImageNeedsEveryPageAndRejectsDuplicates(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("x" + ImageFormat.EXTENSION);
        try (Arena a = Arena.ofConfined(); ImageWriter w = ImageWriter.create(file, ImageHeader.full(4L * PAGE, PAGE))) {
            MemorySegment buf = a.allocate(PAGE, PAGE);
            w.writePage(1, buf);
            assertThrows(IllegalStateException.class, () -> w.writePage(1, buf));
            assertThrows(IndexOutOfBoundsException.class, () -> w.writePage(4, buf));
            assertThrows(IllegalArgumentException.class, () -> w.writePage(2, a.allocate(100)));
            IllegalStateException e = assertThrows(IllegalStateException.class, w::complete);
            assertTrue(e.getMessage().contains("missing page 0"), e.getMessage());
        }
        assertFalse(Files.exists(file));
        assertFalse(Files.exists(ImageWriter.partialOf(file)));
    }

    @Test
    void corruptedPageFailsItsChecksum(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("c" + ImageFormat.EXTENSION);
        try (Arena a = Arena.ofConfined(); ImageWriter w = ImageWriter.create(file, ImageHeader.full(2L * PAGE, PAGE))) {
            MemorySegment buf = a.allocate(PAGE, PAGE);
            stamp(buf, 0, 9);
            w.writePage(0, buf);
            stamp(buf, 1, 9);
            w.writePage(1, buf);
            w.complete();
        }
        long off;
        try (SnapshotImage img = SnapshotImage.open(file)) {
            off = img.dataOffset(1);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x55}), off + 100);
        }
        try (Arena a = Arena.ofConfined(); SnapshotImage img = SnapshotImage.open(file)) {
            MemorySegment buf = a.allocate(PAGE, PAGE);
            img.readPage(0, buf);
            CorruptImageException e = assertThrows(CorruptImageException.class, () -> img.readPage(1, buf));
            assertTrue(e.getMessage().contains("page 1"), e.getMessage());
            assertThrows(CorruptImageException.class, img::verify);
        }
    }

    @Test
    void chainOfDeltasReadsTheNewestVersion(@TempDir Path dir) throws IOException {
        long pages = 64;
        SplittableRandom rnd = new SplittableRandom(42);
        long[] version = new long[(int) pages];
        Path full = dir.resolve("s0" + ImageFormat.EXTENSION);
        ImageInfo parent;
        try (Arena a = Arena.ofConfined(); ImageWriter w = ImageWriter.create(full, ImageHeader.full(pages * PAGE, PAGE))) {
            MemorySegment buf = a.allocate(PAGE, PAGE);
            for (int p = 0; p < pages; p++) {
                version[p] = 1;
                stamp(buf, p, 1);
                w.writePage(p, buf);
            }
            parent = w.complete();
        }
        Path newest = full;
        for (int d = 1; d <= 5; d++) {
            Path delta = dir.resolve("s" + d + ImageFormat.EXTENSION);
            try (Arena a = Arena.ofConfined();
                 ImageWriter w = ImageWriter.create(delta, ImageHeader.delta(parent, newest.getFileName().toString()))) {
                MemorySegment buf = a.allocate(PAGE, PAGE);
                for (int k = 0; k < 10; k++) {
                    int p = rnd.nextInt((int) pages);
                    if (!w.isRecorded(p)) {
                        version[p] = d + 1L;
                        stamp(buf, p, version[p]);
                        w.writePage(p, buf);
                    }
                }
                parent = w.complete();
            }
            newest = delta;
            try (Arena a = Arena.ofConfined(); SnapshotChain chain = SnapshotChain.open(newest)) {
                assertEquals(d + 1, chain.images().size());
                MemorySegment buf = a.allocate(PAGE, PAGE);
                for (long p = 0; p < pages; p++) {
                    chain.readPage(p, buf);
                    assertEquals(version[(int) p], buf.get(JAVA_LONG, 8), "page " + p + " after delta " + d);
                }
            }
        }
        // a chain whose parent was replaced is refused
        Files.delete(dir.resolve("s2" + ImageFormat.EXTENSION));
        try (Arena a = Arena.ofConfined(); ImageWriter w = ImageWriter.create(dir.resolve("s2" + ImageFormat.EXTENSION),
                ImageHeader.full(pages * PAGE, PAGE))) {
            MemorySegment buf = a.allocate(PAGE, PAGE);
            for (int p = 0; p < pages; p++) {
                w.writePage(p, buf);
            }
            w.complete();
        }
        Path finalNewest = newest;
        CorruptImageException e = assertThrows(CorruptImageException.class, () -> SnapshotChain.open(finalNewest));
        assertTrue(e.getMessage().contains("was taken after image"), e.getMessage());
    }
}
