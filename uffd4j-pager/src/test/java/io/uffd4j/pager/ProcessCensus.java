package io.uffd4j.pager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Open descriptors, mapping lines and threads of a process, read from /proc. */
record ProcessCensus(long pid, long fds, long maps, long threads) {
    static ProcessCensus of(long pid) {
        Path proc = Path.of("/proc", Long.toString(pid));
        try (Stream<Path> fd = Files.list(proc.resolve("fd")); Stream<Path> task = Files.list(proc.resolve("task"))) {
            long maps;
            try (Stream<String> lines = Files.lines(proc.resolve("maps"))) {
                maps = lines.count();
            }
            return new ProcessCensus(pid, fd.count(), maps, task.count());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/" + pid + ": " + e, e);
        }
    }

    static ProcessCensus self() {
        return of(ProcessHandle.current().pid());
    }

    ProcessCensus minus(ProcessCensus before) {
        return new ProcessCensus(pid, fds - before.fds, maps - before.maps, threads - before.threads);
    }
}
