package io.uffd4j.bench.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Where the figures were measured: the machine, the toolchains, and how loaded it was. */
public record MachineInfo(String kernel, String cpuModel, int cpus, long memoryKiB, String java, String vm,
                          String compiler, boolean userModeOnly) {

    static MachineInfo probe(String compiler, boolean userModeOnly) {
        String cpu = "unknown";
        long mem = -1;
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
            mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1L);
        } catch (IOException | RuntimeException ignored) {
            // the report says "unknown"
        }
        return new MachineInfo(read("/proc/sys/kernel/osrelease"), cpu, Runtime.getRuntime().availableProcessors(),
                mem, Runtime.version().toString(), System.getProperty("java.vm.name"), compiler, userModeOnly);
    }

    /** The 1-, 5- and 15-minute load averages. */
    static String loadAverage() {
        String l = read("/proc/loadavg");
        String[] parts = l.split(" ");
        return parts.length >= 3 ? parts[0] + " " + parts[1] + " " + parts[2] : l;
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path)).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
