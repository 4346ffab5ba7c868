package io.uffd4j.cli.snapshot;

import io.uffd4j.cli.options.CommandLines;
import io.uffd4j.cli.options.ProgressOption;
import io.uffd4j.cli.options.Refusal;
import io.uffd4j.cli.pager.LazyRestore;
import io.uffd4j.mm.RegionReader;
import io.uffd4j.pager.region.Backing;
import io.uffd4j.pager.region.Prefetch;
import io.uffd4j.snapshot.SnapshotImageSource;
import io.uffd4j.snapshot.image.CorruptImageException;
import io.uffd4j.snapshot.image.ImageFormat;
import io.uffd4j.snapshot.image.SnapshotChain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code ./uffd4j restore IMAGE}: restores a snapshot image (or chain: name the newest delta) or a raw
 * image lazily through the pager, shows the fill, and verifies the region against the image.
 */
@Command(name = "restore", mixinStandardHelpOptions = true,
        description = {"Map an image lazily through the out-of-process pager, show the fill, verify the result.",
                "IMAGE is a snapshot image (*.u4snap: the newest of a chain of deltas restores the whole chain) "
                        + "or a raw image file (per-page checksums are used if IMAGE.crc32c exists)."})
public final class SnapshotRestoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "The image to restore: a complete snapshot image "
            + "(*.u4snap; a *.partial one is refused) or a non-empty raw image file")
    Path image;

    @Option(names = "--prefetch", description = "NONE, SEQUENTIAL, POSTCOPY (default: ${DEFAULT-VALUE})", defaultValue = "SEQUENTIAL")
    Prefetch prefetch;

    @Option(names = "--backing", description = "PRIVATE_ANONYMOUS or SHARED_MEMFD (default: ${DEFAULT-VALUE})", defaultValue = "PRIVATE_ANONYMOUS")
    Backing backing;

    @Option(names = "--socket", paramLabel = "PATH", description = "Use the running pager daemon listening there instead of launching one")
    Path socket;

    @Option(names = "--touches-per-second", defaultValue = "2000", paramLabel = "N",
            description = "Random page reads a reader makes while the fill runs: 0 to 1000000 (default: ${DEFAULT-VALUE})")
    int touchesPerSecond;

    @Mixin
    ProgressOption progress;

    @Override
    public Integer call() throws Exception {
        Refusal check = Refusal.of(spec);
        LazyRestore.checkOptions(check, prefetch, socket, touchesPerSecond);
        LazyRestore.checkRawImage(check, image);
        if (ImageFormat.isSnapshotFile(image)) {
            checkSnapshot(check, image);
        }
        boolean ok = restore(image, prefetch, backing, socket, touchesPerSecond, progress.progressBar(), System.out);
        return ok ? 0 : LazyRestore.mismatch(spec);
    }

    /** A snapshot file must be a complete, valid chain: a partial or corrupt one is refused, never restored as raw bytes. */
    static void checkSnapshot(Refusal check, Path image) {
        String accepted = "a complete snapshot image (*" + ImageFormat.EXTENSION + ", the newest of its chain) or a raw image";
        if (!image.getFileName().toString().endsWith(ImageFormat.EXTENSION)) {
            String problem = image.getFileName().toString().endsWith(ImageFormat.PARTIAL_SUFFIX)
                    ? "a partial snapshot image: its snapshot did not complete"
                    : "a snapshot image not named *" + ImageFormat.EXTENSION;
            throw check.refuseParameter("IMAGE", image, problem, accepted);
        }
        try (SnapshotChain chain = SnapshotChain.open(image)) {
            chain.header();
        } catch (CorruptImageException e) {
            throw check.refuseParameter("IMAGE", image, e.getMessage(), accepted);
        } catch (IOException e) {
            throw check.refuseParameter("IMAGE", image, "cannot be read: " + e.getMessage(), accepted);
        }
    }

    /** Restores and verifies a snapshot image or a raw image; true when the region matches it. */
    public static boolean restore(Path image, Prefetch prefetch, Backing backing, Path socket, int touches,
                                  boolean progress, PrintStream out) throws IOException, InterruptedException {
        if (!ImageFormat.isSnapshotFile(image)) {
            return LazyRestore.restore(image, prefetch, backing, socket, touches, progress, out);
        }
        long size;
        try (SnapshotChain chain = SnapshotChain.open(image)) {
            size = chain.header().regionSize();
            out.printf("snapshot %s: %d MiB, a chain of %d image(s) (%s)%n", image.getFileName(), size >> 20,
                    chain.images().size(), chain.newest().header().kind());
        }
        return LazyRestore.restore(SnapshotImageSource.spec(image), size, (m, o) -> verify(image, m, o), prefetch,
                backing, socket, touches, progress, out);
    }

    /** Compares the region with the chain page by page (each page of the chain checked against its CRC32C). */
    static boolean verify(Path image, MemorySegment region, PrintStream out) throws IOException {
        try (SnapshotChain chain = SnapshotChain.open(image); Arena arena = Arena.ofConfined()) {
            long pageSize = chain.header().pageSize();
            MemorySegment page = arena.allocate(pageSize, 4096);
            MemorySegment restored = arena.allocate(pageSize, 4096);
            long pages = chain.header().pages();
            for (long p = 0; p < pages; p++) {
                chain.readPage(p, page);
                // Compared on a copy: the region may hold a page the pager gave up on (docs/failed-pages.md).
                if (RegionReader.read(region, p * pageSize, restored) instanceof RegionReader.Incomplete in) {
                    out.printf("verify: page %d of the region could not be read (%s): FAILED%n", p,
                            in.failedPages().getFirst().reason());
                    return false;
                }
                long at = MemorySegment.mismatch(restored, 0, pageSize, page, 0, pageSize);
                if (at != -1) {
                    out.printf("verify: page %d differs from the image at byte %d: MISMATCH%n", p, at);
                    return false;
                }
            }
            out.printf("verify: all %d pages equal the snapshot (each checked against its CRC32C): MATCH%n", pages);
            return true;
        }
    }

    public static void main(String[] args) {
        System.exit(CommandLines.configure(new picocli.CommandLine(new SnapshotRestoreCommand())).execute(args));
    }
}
