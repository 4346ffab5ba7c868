package io.uffd4j.bench.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Keeps the harness from rotting: one small run of one operation through the real command line,
 * checking the report's structure (never its timings, which belong to the benchmark itself).
 */
class FaultBenchCommandTest {
    @Test
    void quickRunOfOneOperationWritesACompleteReport(@TempDir Path dir) throws IOException {
        assumeTrue(gccAvailable(), "the C reference needs gcc");
        Path out = dir.resolve("report");
        int exit = new CommandLine(new FaultBenchCommand()).execute("--quick", "--ops", "copy",
                "--strategies", "block,spin", "--runs", "2", "--faults", "300", "--warmup-faults", "50",
                "--out", out.toString(), "--cache-dir", dir.resolve("cache").toString());
        assertEquals(0, exit);

        JsonNode root = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals("faults", root.get("benchmark").asText());
        assertEquals(2, root.at("/settings/runs").asInt());
        assertEquals(300, root.at("/settings/faults").asInt());
        assertTrue(root.at("/machine/kernel").isTextual());

        JsonNode measurements = root.get("measurements");
        Set<String> configurations = new HashSet<>();
        for (JsonNode m : measurements) {
            assertEquals("copy", m.get("operation").asText());
            configurations.add(m.get("strategy").asText() + "/" + m.get("implementation").asText());
            assertEquals(2, m.get("runs").size());
            for (JsonNode run : m.get("runs")) {
                assertEquals(300, run.get("faults").asLong());
                assertEquals(0, run.get("mismatches").asLong(), "pages with wrong contents");
                assertTrue(run.get("p50").asLong() > 0 && run.get("p99").asLong() >= run.get("p50").asLong());
                assertTrue(run.get("faultsPerSecond").asDouble() > 0);
            }
            for (String f : new String[] {"p50", "p99", "faultsPerSecond"}) {
                JsonNode s = m.get(f);
                assertTrue(s.get("min").asDouble() <= s.get("median").asDouble()
                        && s.get("median").asDouble() <= s.get("max").asDouble(), f + " spread");
            }
            assertNull(m.get("merged"), "the merged histogram is not part of the JSON");
        }
        assertTrue(configurations.containsAll(Set.of("block/c", "block/java-direct", "spin/c", "spin/java-direct")),
                configurations.toString());

        JsonNode comparisons = root.get("comparisons");
        assertTrue(comparisons.size() >= 2);
        for (JsonNode c : comparisons) {
            assertTrue(c.get("p50Ratio").asDouble() > 0 && c.get("p99Ratio").asDouble() > 0);
            assertEquals(c.get("implementation").asText().equals("java-direct"), c.get("goalApplies").asBoolean());
        }
        assertTrue(root.get("goalMet").isBoolean());

        for (String png : new String[] {"p50-block.png", "p99-block.png", "p50-spin.png", "p99-spin.png", "cdf-copy-block.png"}) {
            byte[] head = Files.readAllBytes(out.resolve(png));
            assertTrue(head.length > 8 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G', png + " is a PNG");
        }
        try (var cached = Files.list(dir.resolve("cache"))) {
            assertTrue(cached.anyMatch(p -> p.getFileName().toString().startsWith("fault_ref-") && Files.isExecutable(p)
                    && !p.toString().endsWith(".c")), "the C reference is cached by source hash");
        }
    }

    @Test
    void rejectsUnknownOperations() {
        FaultBenchCommand command = new FaultBenchCommand();
        new CommandLine(command).parseArgs("--ops", "copy,teleport");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, command::settings);
        assertTrue(e.getMessage().contains("teleport"), e.getMessage());
    }

    private static boolean gccAvailable() {
        try {
            return new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
