package io.uffd4j.pager.server;

import io.uffd4j.internal.ChildJvm;

import java.util.ArrayList;
import java.util.List;

/** Command lines of the pager's processes: this JVM's module setup, with every module of the module path resolved (extensions and sources are loaded by name). */
public final class ChildProcesses {
    private ChildProcesses() {}

    /** {@code java <this JVM's options> <options> mainClass args}, resolving every module of the module path. */
    public static List<String> command(List<String> options, Class<?> main, List<String> args) {
        List<String> opts = new ArrayList<>();
        Module self = ChildProcesses.class.getModule();
        if (self.isNamed()) {
            // A parent started with -m stops its options before the module: the child must resolve ours itself.
            opts.add("--add-modules=ALL-MODULE-PATH");
        }
        opts.addAll(options);
        return ChildJvm.command(opts, true, main.getName(), args);
    }

    /** Gives {@code p} up to {@code graceSeconds} to exit by itself (after being told to), then kills it. */
    static void endWithin(Process p, long graceSeconds) {
        if (p == null) {
            return;
        }
        try {
            if (!p.waitFor(graceSeconds, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits (up to 60 s) for the child {@code p}, started to serve as {@code what}, to connect to
     * {@code socket}; a connection from any other process is refused (its peer credentials name another
     * pid), and a child that exits first or does not connect in time is killed and refused.
     */
    static io.uffd4j.pager.protocol.Channel awaitConnection(io.uffd4j.ipc.UnixServerSocket socket, Process p, String what) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (true) {
            java.util.Optional<io.uffd4j.ipc.UnixSocket> s = socket.accept(java.time.Duration.ofMillis(100));
            if (s.isPresent()) {
                // The socket's path is visible to others: only the process we started may become our worker or guardian.
                long peer = s.get().peer().pid();
                if (peer == p.pid()) {
                    return new io.uffd4j.pager.protocol.Channel(s.get());
                }
                System.getLogger(ChildProcesses.class.getName()).log(System.Logger.Level.WARNING,
                        "refused a connection to " + socket.path() + " from process " + peer + ", which is not the " + what);
                s.get().close();
            } else if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException(p.isAlive() ? "the " + what + " did not connect within 60 s"
                        : "the " + what + " exited before connecting");
            }
        }
    }
}
