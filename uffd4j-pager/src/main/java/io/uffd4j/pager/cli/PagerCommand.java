package io.uffd4j.pager.cli;

import io.uffd4j.pager.server.PagerSupervisor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
    @Option(names = "--socket", description = "Unix socket to listen on (default: ${DEFAULT-VALUE})",
            defaultValue = "/tmp/uffd4j-pager.sock")
    Path socket;

    @Option(names = "--hang-timeout-ms", description = "A worker busy on one fault longer than this is restarted (default: ${DEFAULT-VALUE})",
            defaultValue = "3000")
    long hangTimeoutMs;

    @Option(names = "--max-restarts", description = "Hangs of one region before its missing pages fail loudly (default: ${DEFAULT-VALUE})",
            defaultValue = "3")
    int maxRestarts;

    @Option(names = "--worker-heap", description = "Heap of the worker JVM (default: ${DEFAULT-VALUE})", defaultValue = "256m")
    String workerHeap;

    @Override
    public Integer call() throws Exception {
        PagerSupervisor.run(new PagerSupervisor.Settings(socket.toAbsolutePath(), true, Duration.ofMillis(hangTimeoutMs),
                maxRestarts, workerHeap));
        return 0;
    }

    /** Standalone entry point (the {@code ./uffd4j} launcher wires this command as a subcommand). */
    public static void main(String[] args) {
        System.exit(new picocli.CommandLine(new PagerCommand()).execute(args));
    }
}
