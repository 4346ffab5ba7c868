package io.uffd4j.cli;

import io.uffd4j.testkit.GcStorm;

/**
 * Child-JVM workload for {@link DemoGcStormTest}: after a warm-up round, runs the demo {@code rounds}
 * times (fresh region, server and readers each time) while another thread allocates and calls
 * System.gc() in a loop. Prints
 * a progress line per round and "OK rounds=N pages=M gcs=G" when every page of every round was right.
 */
public final class DemoGcStormWorkload {
    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        long size = ByteSize.parse(args[1]);
        GcStorm gcs = new GcStorm();
        // One small round before the storm links every class and method handle the demo uses: under a
        // storm that first-time work crawls, and the test is about serving faults, not about start-up.
        DemoRun.Result warmUp = DemoRun.run(new DemoRun.Config(1 << 20, 2, 1, null, 0), new DemoRun.Progress() {
            @Override
            public void started(DemoRun.Setup setup) {}

            @Override
            public void advanced(long pagesDone) {}

            @Override
            public void finished() {}
        });
        System.out.println("warm-up ok=" + warmUp.ok() + "; starting the GC storm");
        gcs.start();
        long pages = 0;
        for (int round = 0; round < rounds; round++) {
            System.out.println("round " + round + " setting up, gcs=" + gcs.collections());
            // Alternate the guarded-access mode: CHECKED (kernel takes the fault) and DIRECT (reader takes it).
            var mode = round % 2 == 0 ? io.uffd4j.serve.GuardedMemory.Mode.CHECKED : io.uffd4j.serve.GuardedMemory.Mode.DIRECT;
            DemoRun.Result r = DemoRun.run(new DemoRun.Config(size, 4, 2, mode, round), new DemoRun.Progress() {
                @Override
                public void started(DemoRun.Setup setup) {
                    System.out.println("started " + setup);
                }

                @Override
                public void advanced(long pagesDone) {
                    System.out.println("progress pages=" + pagesDone + " gcs=" + gcs.collections());
                }

                @Override
                public void finished() {}
            });
            if (!r.ok()) {
                System.out.println("FAILED round " + round + ": " + r);
                System.exit(1);
            }
            pages += r.verifiedPages();
            System.out.println("round " + round + " " + mode + " ok: " + r.stats().missingFaults() + " faults, gcs=" + gcs.collections());
        }
        gcs.close();
        System.out.println("OK rounds=" + rounds + " pages=" + pages + " gcs=" + gcs.collections());
    }
}
