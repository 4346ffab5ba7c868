package io.uffd4j.cli.pager;

import io.uffd4j.ipc.ScratchDirectory;
import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.region.Prefetch;
import io.uffd4j.pager.source.Checksums;
import io.uffd4j.pager.source.GeneratorSource;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A short demonstration of a lazy restore, for {@code ./uffd4j demo}. */
public final class LazyRestoreDemo {
    private LazyRestoreDemo() {}

    /**
     * Writes a {@code megabytes} MiB image (and its per-page checksums) to a temporary directory, restores
     * it lazily through a launched pager while a reader touches random pages, verifies it, and cleans up.
     * Returns true when the restored region matches the image.
     */
    public static boolean run(PrintStream out, int megabytes) throws IOException, InterruptedException {
        if (megabytes < 1) {
            throw new IllegalArgumentException("megabytes " + megabytes + " is out of range (accepted: 1 or more)");
        }
        try (ScratchDirectory dir = ScratchDirectory.create("uffd4j-demo")) {
            Path image = dir.path().resolve("demo.img");
            long size = (long) megabytes << 20;
            out.printf("writing a %d MiB image to %s%n", megabytes, image);
            writeImage(image, size);
            Checksums.writeChecksumFile(image, 4096);
            return LazyRestore.restore(image, Prefetch.SEQUENTIAL, Backing.PRIVATE_ANONYMOUS, null, 2000, false, out);
        }
    }

    static void writeImage(Path image, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING); Arena a = Arena.ofConfined()) {
            MemorySegment chunk = a.allocate(4 << 20, 4096);
            for (long off = 0; off < size; off += chunk.byteSize()) {
                long n = Math.min(chunk.byteSize(), size - off);
                GeneratorSource.generate(20260101, size, 4096, off, chunk, 0, n);
                ByteBuffer b = chunk.asSlice(0, n).asByteBuffer();
                while (b.hasRemaining()) {
                    ch.write(b, off + b.position());
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(System.out, args.length > 0 ? Integer.parseInt(args[0]) : 64) ? 0 : 1);
    }
}
