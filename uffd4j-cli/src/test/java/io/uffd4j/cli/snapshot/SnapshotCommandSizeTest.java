package io.uffd4j.cli.snapshot;

import io.uffd4j.testkit.StampedWriters;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Sizes of 2 GiB and more are accepted and laid out at their size (an int shift once turned 2048 MiB into a
 * negative page count, refused "about writers", and 99999999 MiB into 255 MiB). Only the checks and the
 * layout run: nothing is snapshotted.
 */
class SnapshotCommandSizeTest {
    @ParameterizedTest
    @ValueSource(longs = {1, 2048, 4096, 65536})
    void largeSizesAreLaidOutAtTheirSize(long mib, @TempDir Path dir) throws IOException {
        assumeTrue(Files.getFileStore(dir).getUsableSpace() >= mib << 20, "the file system needs room for the image");
        SnapshotCommand command = new SnapshotCommand();
        CommandLine cl = new CommandLine(command);
        cl.parseArgs("--size-mib", Long.toString(mib), "--deltas", "0", "--out", dir.resolve("out").toString());
        StampedWriters.Layout layout = command.checkedLayout(dir.resolve("out"));
        assertEquals(mib << 20, layout.regionBytes());
        assertEquals(4, layout.writers());
        assertEquals(false, Files.exists(dir.resolve("out")), "the checks create nothing");
    }
}
