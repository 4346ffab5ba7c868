package io.uffd4j.selftest;

import io.uffd4j.error.BadAddressException;
import io.uffd4j.internal.ChildJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keeps the table of docs/failed-pages.md true: runs every {@link FailedPageAccess} over a poisoned page in
 * a child JVM, cold and after warm-up, and compares what happened (which exception, or a crash) with the
 * table. Crashes are expected here and only here; their hs_err files are deleted with the child's directory.
 */
@Timeout(value = 5, unit = java.util.concurrent.TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FailedPageAccessTest {
    static final Path DOC = Path.of("..", "docs", "failed-pages.md");
    static final String BEGIN = "<!-- failed-page-table:begin -->";
    static final String END = "<!-- failed-page-table:end -->";
    static final Duration CHILD_DEADLINE = Duration.ofSeconds(60);

    @Test
    void everyAccessPathDoesWhatTheTableSays() throws Exception {
        List<String> wrong = new ArrayList<>();
        StringBuilder measured = new StringBuilder();
        for (FailedPageAccess a : FailedPageAccess.values()) {
            Run both = run(a, "both");
            FailedPageAccess.Outcome cold = both.outcome("COLD");
            // A crash on the first access leaves the warm case to a child of its own.
            FailedPageAccess.Outcome warm = cold == FailedPageAccess.Outcome.CRASH ? run(a, "warm").outcome("WARM")
                    : both.outcome("WARM");
            measured.append(String.format("%-26s cold %-15s warm %s%n", a, cold, warm));
            if (cold != a.cold || warm != a.warm) {
                wrong.add(a + ": measured cold " + cold + ", warm " + warm + "; the table says " + a.cold + ", " + a.warm);
            }
        }
        System.out.print(measured);
        assertTrue(wrong.isEmpty(), () -> "the failed-page table is wrong for this JDK/kernel ("
                + Runtime.version() + ", " + System.getProperty("os.version") + "):\n" + String.join("\n", wrong));
    }

    @Test
    void theDocumentShowsTheTable() throws IOException {
        String doc = Files.readString(DOC);
        int from = doc.indexOf(BEGIN);
        int to = doc.indexOf(END);
        assertTrue(from >= 0 && to > from, DOC + " has no " + BEGIN + " ... " + END + " section");
        List<String> rows = doc.substring(from + BEGIN.length(), to).lines()
                .filter(l -> l.startsWith("| `")).toList();
        assertEquals(Arrays.stream(FailedPageAccess.values()).map(FailedPageAccess::docRow).toList(), rows,
                "the table in " + DOC + " differs from FailedPageAccess");
    }

    /** What one child printed, and whether it crashed. */
    private record Run(FailedPageAccess access, String output, boolean crashed) {
        FailedPageAccess.Outcome outcome(String phase) throws Exception {
            String prefix = phase + " OUTCOME ";
            String line = output.lines().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length()))
                    .findFirst().orElse(null);
            if (line == null) {
                if (crashed) {
                    return FailedPageAccess.Outcome.CRASH;
                }
                throw new AssertionError(access + " " + phase + ": no outcome and no crash:\n" + output);
            }
            return classify(line, output);
        }
    }

    /** Runs the child in a scratch directory of its own (hs_err files land there) and deletes it after. */
    private static Run run(FailedPageAccess a, String mode) throws Exception {
        Path scratch = Files.createTempDirectory("uffd4j-failed-page");
        try {
            List<String> cmd = ChildJvm.command(List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:-BackgroundCompilation",
                    "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + scratch.resolve("hs_err_pid%p.log")), true,
                    FailedPageAccessChild.class.getName(), List.of(a.name(), mode, scratch.toString()));
            Path out = scratch.resolve("out.txt");
            Process p = new ProcessBuilder(cmd).directory(scratch.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(CHILD_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new AssertionError(a + " " + mode + " hung for " + CHILD_DEADLINE + ":\n" + Files.readString(out));
            }
            boolean crashed;
            try (Stream<Path> files = Files.list(scratch)) {
                crashed = files.anyMatch(f -> f.getFileName().toString().startsWith("hs_err"));
            }
            return new Run(a, Files.readString(out), crashed);
        } finally {
            deleteTree(scratch);
        }
    }

    private static FailedPageAccess.Outcome classify(String exception, String output) throws Exception {
        if (exception.startsWith("returned")) {
            return FailedPageAccess.Outcome.RETURNED;
        }
        Class<?> type = Class.forName(exception, false, FailedPageAccessTest.class.getClassLoader());
        if (type == InternalError.class) {
            return FailedPageAccess.Outcome.INTERNAL_ERROR;
        }
        if (IOException.class.isAssignableFrom(type)) {
            return FailedPageAccess.Outcome.IO_EXCEPTION;
        }
        if (type == BadAddressException.class) {
            return FailedPageAccess.Outcome.UFFD_EXCEPTION;
        }
        if (type == FailedPageAccess.ReportedFailure.class) {
            return FailedPageAccess.Outcome.REPORTED;
        }
        throw new AssertionError("unexpected outcome " + exception + ":\n" + output);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
