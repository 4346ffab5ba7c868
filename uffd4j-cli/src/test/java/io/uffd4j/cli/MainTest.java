package io.uffd4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.uffd4j.Feature;
import io.uffd4j.probe.SystemProbe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The commands run in-process, as picocli executes them, with captured output. */
class MainTest {
    record Run(int exitCode, String out, String err) {}

    static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void versionAndHelp() {
        Run v = run("--version");
        assertEquals(0, v.exitCode());
        assertTrue(v.out().startsWith("uffd4j "), v.out());
        assertFalse(v.out().contains("unknown"), "the version is filtered in by Maven: " + v.out());
        Run h = run("--help");
        assertEquals(0, h.exitCode());
        for (String command : List.of("doctor", "demo", "bench")) {
            assertTrue(h.out().contains(command), h.out());
        }
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(Main.USAGE, run().exitCode(), "no command");
        assertEquals(Main.USAGE, run("frobnicate").exitCode());
        assertEquals(Main.USAGE, run("doctor", "--no-such-option").exitCode());
        assertEquals(Main.USAGE, run("demo", "--size", "5x").exitCode());
        assertEquals(Main.USAGE, run("demo", "--size", "1000").exitCode(), "not a multiple of 4 KiB");
        assertEquals(Main.USAGE, run("demo", "--readers", "0").exitCode());
        Run bench = run("bench");
        assertEquals(Main.USAGE, bench.exitCode());
        assertTrue(bench.err().contains("name a benchmark: faults, lazy, snapshot"), bench.err());
    }

    @Test
    void aFailureIsOneLineOnStderrWithTheStackTraceOnlyWhenVerbose(@TempDir Path dir) throws Exception {
        Path image = Files.write(dir.resolve("raw.img"), new byte[4096]);
        Path stale = dir.resolve("stale.sock");
        // A socket file nobody listens on: the restore passes its checks, then cannot reach the pager.
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(stale));
        }
        Run r = run("restore", image.toString(), "--socket", stale.toString(), "--no-progress");
        assertEquals(Main.FAILURE, r.exitCode(), r.err());
        List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.getFirst().startsWith("uffd4j restore: failed: PagerException: cannot connect to the pager at " + stale),
                r.err());
        assertTrue(lines.getFirst().contains("--verbose"), "says how to get the stack trace: " + r.err());

        Run verbose = run("--verbose", "restore", image.toString(), "--socket", stale.toString(), "--no-progress");
        assertEquals(Main.FAILURE, verbose.exitCode());
        assertTrue(verbose.err().contains("\tat ") && verbose.err().contains("io.uffd4j.pager.Pager.connect("), verbose.err());
        Run verboseAfter = run("restore", image.toString(), "--socket", stale.toString(), "--no-progress", "--verbose");
        assertTrue(verboseAfter.err().contains("\tat "), "--verbose is accepted after the command too: " + verboseAfter.err());
    }

    @Test
    void doctorPrintsEverySectionWithoutColourWhenNotATerminal() {
        Run r = run("doctor");
        int expected = SystemProbe.report().failsHere() ? Main.FAILURE : Main.OK;
        assertEquals(expected, r.exitCode(), r.err());
        for (String section : List.of("uffd4j doctor", "vm.unprivileged_userfaultfd", "/dev/userfaultfd",
                "Creating a userfaultfd: this process", "Creating a userfaultfd: a non-root user",
                "Features (UFFDIO_API)", "Huge pages", "transparent huge pages", "hugetlb pools", "What to change")) {
            assertTrue(r.out().contains(section), () -> "missing '" + section + "' in\n" + r.out());
        }
        assertFalse(r.out().contains("\u001b["), "no ANSI escapes off a terminal");
        for (Feature f : Feature.values()) {
            assertTrue(r.out().contains(f.name()), f.name());
        }
        // Aligned: every field line has its value at the same column.
        long misaligned = r.out().lines()
                .filter(l -> l.startsWith("  ") && !l.startsWith("   ") && l.length() > Printer.LABEL_WIDTH + 2)
                .filter(l -> l.charAt(Printer.LABEL_WIDTH + 1) != ' ' && !l.startsWith("  INFO") && !l.startsWith("  WARN")
                        && !l.startsWith("  FAIL") && !l.startsWith("  -"))
                .count();
        assertEquals(0, misaligned, r.out());
    }

    @Test
    void doctorColoursOnRequest() {
        assertTrue(run("doctor", "--color=always").out().contains("\u001b["));
    }

    @Test
    void doctorJsonHasTheSameContent() throws Exception {
        Run r = run("doctor", "--json");
        JsonNode root = new ObjectMapper().readTree(r.out());
        for (String key : List.of("platform", "identity", "featuresProbed", "features", "unknownFeatureBits",
                "creation", "hugePages", "findings", "probeErrors")) {
            assertTrue(root.has(key), () -> "missing " + key + " in " + r.out());
        }
        assertEquals(System.getProperty("os.version"), root.at("/platform/kernelRelease").asText());
        assertEquals(Feature.values().length, root.get("features").size());
        assertTrue(root.at("/features/0").has("supported"));
        assertTrue(root.at("/features/0").has("since"));
        for (String subject : List.of("thisProcess", "nonRootUser")) {
            JsonNode s = root.at("/creation/" + subject);
            assertEquals(3, s.get("routes").size(), subject);
            assertTrue(s.has("capability"), subject);
            assertTrue(s.has("consequences"), subject);
        }
        assertTrue(root.at("/creation").has("unprivilegedUserfaultfd"));
        assertTrue(root.at("/creation/device").has("exists"));
        assertTrue(root.at("/hugePages/thp").has("enabled"));
        for (JsonNode finding : root.get("findings")) {
            for (String key : List.of("id", "severity", "audience", "problem", "changes")) {
                assertTrue(finding.has(key), key);
            }
        }
        // The same findings as the text report.
        Run text = run("doctor");
        for (JsonNode finding : root.get("findings")) {
            String start = finding.get("problem").asText().split(" ")[0];
            assertTrue(text.out().contains(start), start);
        }
    }

    @Test
    void demoServesVerifiesAndReports() {
        Run r = run("demo", "--size", "8M", "--readers", "3", "--seed", "11");
        assertEquals(Main.OK, r.exitCode(), () -> r.out() + r.err());
        assertTrue(r.out().contains("2048 of 2048 pages on first touch, 0 wrong"), r.out());
        assertTrue(r.out().contains("2048 missing"), r.out());
        assertTrue(r.out().contains("threw UnguardedAccessException"), r.out());
        assertTrue(r.out().contains("seed 11"), r.out());
        assertTrue(r.out().contains("2 in order, 1 in random order"), r.out());
        for (String line : List.of("service time (handler)", "page read (reader)", "first touch", "re-read (no faults)",
                "raw access after close")) {
            assertTrue(r.out().contains(line), line);
        }
        assertFalse(r.out().contains("\u001b["));
    }

    @Test
    void demoInDirectMode() {
        Run r = run("demo", "--size", "4M", "--mode", "DIRECT", "--readers", "2", "--server-threads", "2");
        assertEquals(Main.OK, r.exitCode(), () -> r.out() + r.err());
        assertTrue(r.out().contains("GuardedMemory DIRECT"), r.out());
        assertTrue(r.out().contains("1024 of 1024 pages"), r.out());
    }
}
