package io.uffd4j.cli.snapshot;

import io.uffd4j.internal.ChildJvm;
import io.uffd4j.ipc.ScratchDirectory;
import io.uffd4j.snapshot.Quiesce;
import io.uffd4j.testkit.StampedWriters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The last part of {@code ./uffd4j demo}: fill a region while writers keep running, snapshot it live
 * (a full image and a delta), then restore the chain lazily in a new JVM and verify it there.
 */
public final class SnapshotStory {
    private SnapshotStory() {}

    public static boolean run(PrintStream out, int megabytes) throws Exception {
        if (megabytes < 1 || megabytes > 65536) {
            throw new IllegalArgumentException("megabytes " + megabytes + " is out of range (accepted: 1 to 65536)");
        }
        try (ScratchDirectory scratch = ScratchDirectory.create("uffd4j-story")) {
            Path dir = scratch.path();
            List<Path> images;
            StampedWriters.Layout layout = new StampedWriters.Layout((int) (((long) megabytes << 20) / StampedWriters.PAGE) - 1,
                    4, new SplittableRandom().nextLong());
            images = SnapshotCommand.run(layout, dir, 1, 300, 16L << 20, Quiesce.STOP_PROCESS, false, out);
            if (images.isEmpty()) {
                return false;
            }
            Path newest = images.getLast();
            out.println("restoring " + newest.getFileName() + " (and the full image it builds on) lazily in a new JVM:");
            List<String> cmd = ChildJvm.command(List.of("--add-modules=ALL-MODULE-PATH"), true,
                    SnapshotRestoreCommand.class.getName(), List.of(newest.toString(), "--no-progress"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().transferTo(out);
            int exit = p.waitFor();
            out.println(exit == 0 ? "the new JVM's region equals the snapshot" : "the restore in the new JVM failed (exit " + exit + ")");
            return exit == 0;
        }
    }
}
