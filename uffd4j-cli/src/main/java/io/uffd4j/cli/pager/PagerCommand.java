package io.uffd4j.cli.pager;

import io.uffd4j.cli.options.CommandLines;
import io.uffd4j.cli.options.Refusal;
import io.uffd4j.pager.Pager;
import io.uffd4j.pager.WorkerHeap;
import io.uffd4j.pager.server.PagerSupervisor;
import io.uffd4j.pager.server.SupervisorConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code ./uffd4j pager}: runs a long-lived pager daemon (this process supervises a worker JVM) that
 * serves lazy regions of any number of processes; they connect with {@code Pager.connect(socket)}.
 */
@Command(name = "pager", mixinStandardHelpOptions = true,
        description = "Run the out-of-process pager as a daemon serving lazy regions of several processes.")
public final class PagerCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--socket", paramLabel = "PATH", description = "Unix socket to listen on, in an existing directory; "
            + "an existing file there must be a (stale) socket (default: ${DEFAULT-VALUE})",
            defaultValue = "/tmp/uffd4j-pager.sock")
    Path socket;

    @Option(names = "--hang-timeout-ms", paramLabel = "MS", description = "A worker busy on one fault longer than this is restarted: "
            + "100 to 3600000 (default: ${DEFAULT-VALUE})", defaultValue = "3000")
    long hangTimeoutMs;

    @Option(names = "--loss-timeout-ms", paramLabel = "MS", description = "A supervisor silent this long is given up on and "
            + "its guardian serves the regions: 100 to 3600000 (default: ${DEFAULT-VALUE})", defaultValue = "5000")
    long lossTimeoutMs;

    @Option(names = "--max-restarts", paramLabel = "N", description = "Hangs of one region before its missing pages fail loudly: "
            + "0 to 1000 (default: ${DEFAULT-VALUE})", defaultValue = "3")
    int maxRestarts;

    @Option(names = "--worker-heap", paramLabel = "SIZE", description = "Heap of the worker JVM, as -Xmx takes it: 32m to 1024g "
            + "(default: ${DEFAULT-VALUE})", defaultValue = "256m")
    String workerHeap;

    @Override
    public Integer call() throws Exception {
        Refusal check = Refusal.of(spec)
                .range("--hang-timeout-ms", hangTimeoutMs, Pager.Options.MIN_HANG_TIMEOUT.toMillis(),
                        Pager.Options.MAX_HANG_TIMEOUT.toMillis(), "ms")
                .range("--loss-timeout-ms", lossTimeoutMs, Pager.Options.MIN_LOSS_TIMEOUT.toMillis(),
                        Pager.Options.MAX_LOSS_TIMEOUT.toMillis(), "ms")
                .range("--max-restarts", maxRestarts, 0, Pager.Options.MAX_RESTARTS)
                .socket("--socket", socket, false);
        try {
            WorkerHeap.bytes(workerHeap);
        } catch (IllegalArgumentException e) {
            throw check.refuse("--worker-heap", workerHeap, WorkerHeap.ACCEPTED);
        }
        PagerSupervisor.run(new SupervisorConfig(socket.toAbsolutePath(), true, Duration.ofMillis(hangTimeoutMs),
                maxRestarts, workerHeap, Duration.ofMillis(lossTimeoutMs), false));
        return 0;
    }

    /** Standalone entry point (the {@code ./uffd4j} launcher wires this command as a subcommand). */
    public static void main(String[] args) {
        System.exit(CommandLines.configure(new picocli.CommandLine(new PagerCommand())).execute(args));
    }
}
