package io.uffd4j.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every option of every command with bad values (negative, zero where not allowed, overflow, wrong unit,
 * not a number, missing or wrong files, a partial snapshot): exit code 2, exactly one line on stderr naming
 * the option and the value, nothing on stdout, no file created. The commands run in-process through
 * {@link Main#commandLine()}; each row also passes cheap values for the command's other options, so that a
 * command that failed to refuse does little real work before the row fails.
 */
class BadInputTableTest {
    /** Cheap values of the options a row does not test (in the temporary directory of the row). */
    private static final Map<String, List<String>> CHEAP = Map.of(
            "demo", List.of("--size", "4K", "--readers", "1", "--lazy-mib", "0", "--snapshot-mib", "0", "--compact-mib", "0"),
            "doctor", List.of(),
            "restore", List.of("{raw}", "--no-progress", "--touches-per-second", "0"),
            "snapshot", List.of("--size-mib", "1", "--writers", "1", "--deltas", "0", "--interval-ms", "0", "--no-progress",
                    "--out", "{dir}/out"),
            "pager", List.of("--socket", "{dir}/p.sock", "--hang-timeout-ms", "3000"),
            "bench faults", List.of("--quick", "--ops", "floor", "--strategies", "block", "--runs", "1", "--faults", "10",
                    "--warmup-faults", "0", "--warmup-runs", "0", "--no-checked", "--out", "{dir}/out", "--cache-dir", "{dir}/cache"),
            "bench lazy", List.of("--sizes-mib", "1", "--runs", "1", "--skip", "restore,latency,replay", "--out", "{dir}/out",
                    "--work-dir", "{dir}/work"),
            "bench snapshot", List.of("--quick", "--sizes", "1", "--workloads", "read-heavy", "--runs", "1", "--out", "{dir}/out",
                    "--cache-dir", "{dir}/cache"),
            "bench compact", List.of("--quick", "--size", "4m", "--runs", "1", "--users", "0", "--strategies", "MOVE",
                    "--no-c-reference", "--out", "{dir}/out"));

    /**
     * Rows that allocate or write tens of GiB if the command does not refuse them. They run like every other row;
     * {@code -Dbadinput.skipHeavy=true} leaves them out, for running this table against code that does not refuse
     * bad input yet (on a shared machine).
     */
    private static final java.util.Set<String> HEAVY = java.util.Set.of(
            "demo --lazy-mib 16385", "demo --lazy-mib 2147483647", "demo --snapshot-mib 16385", "demo --compact-mib 1025",
            "demo --compact-mib 99999999", "snapshot --size-mib 65537", "snapshot --out {dir}/big --size-mib 65536 --deltas 1000",
            "bench snapshot --sizes 65537", "bench snapshot --buffer-mib 4097", "bench compact --size 65g");
    private static final Duration REFUSAL_DEADLINE = Duration.ofSeconds(Long.getLong("badinput.timeoutSeconds", 20));

    /** One bad input: the command, the option (or IMAGE), the bad value, and any other arguments it needs. */
    record Row(String command, String option, String value, List<String> extra) {
        @Override
        public String toString() {
            return command + " " + option + " " + value + (extra.isEmpty() ? "" : " " + String.join(" ", extra));
        }
    }

    static Stream<Row> rows() {
        List<Row> rows = new ArrayList<>();
        bad(rows, "demo", "--size", "0", "-1", "5x", "1000", "17G", "99999999999999999999", "");
        bad(rows, "demo", "--readers", "0", "-1", "257", "x", "2147483648");
        bad(rows, "demo", "--server-threads", "0", "-1", "65", "2147483648");
        bad(rows, "demo", "--mode", "FOO");
        bad(rows, "demo", "--seed", "abc", "1.5");
        bad(rows, "demo", "--lazy-mib", "-1", "16385", "2147483647", "2147483648", "1G", "x");
        bad(rows, "demo", "--snapshot-mib", "-1", "16385", "2147483648", "64M");
        bad(rows, "demo", "--compact-mib", "-1", "1025", "99999999");
        bad(rows, "demo", "--color", "sometimes");
        bad(rows, "doctor", "--color", "sometimes");

        bad(rows, "restore", "IMAGE", "{dir}/missing.img", "{dir}/empty.img", "{dir}", "{dir}/x.u4snap.partial",
                "{dir}/corrupt.u4snap", "{dir}/renamed-snapshot.img");
        bad(rows, "restore", "--prefetch", "REPLAY", "FOO");
        bad(rows, "restore", "--backing", "FOO");
        bad(rows, "restore", "--socket", "{dir}/no-pager.sock", "{raw}");
        bad(rows, "restore", "--touches-per-second", "-1", "1000001", "x", "2147483648");

        bad(rows, "snapshot", "--size-mib", "0", "-1", "65537", "99999999", "2147483648", "1G", "x");
        bad(rows, "snapshot", "--writers", "0", "-1", "257", "x");
        rows.add(new Row("snapshot", "--writers", "256", List.of("--size-mib", "1"))); // more writers than pages
        bad(rows, "snapshot", "--deltas", "-1", "1001", "x");
        bad(rows, "snapshot", "--interval-ms", "-1", "3600001", "1s");
        bad(rows, "snapshot", "--buffer-mib", "0", "-1", "4097", "64M");
        bad(rows, "snapshot", "--quiesce", "SOMETIMES");
        bad(rows, "snapshot", "--out", "{raw}", "{raw}/below-a-file");
        // Free space: 1001 images of 64 GiB fit on no test machine's file system.
        rows.add(new Row("snapshot", "--out", "{dir}/big", List.of("--size-mib", "65536", "--deltas", "1000")));

        bad(rows, "pager", "--hang-timeout-ms", "0", "-1", "99", "3600001", "3s", "x");
        bad(rows, "pager", "--loss-timeout-ms", "0", "-1", "99", "3600001", "2s", "x");
        bad(rows, "pager", "--max-restarts", "-1", "1001", "x");
        bad(rows, "pager", "--worker-heap", "abc", "0", "-1", "1m", "2048g", "256mb");
        bad(rows, "pager", "--socket", "{raw}", "{dir}/missing-dir/p.sock", "{dir}/" + "s".repeat(120));

        bad(rows, "bench faults", "--runs", "0", "-1", "1001", "x");
        bad(rows, "bench faults", "--faults", "0", "-1", "1048577", "2147483648");
        bad(rows, "bench faults", "--warmup-faults", "-1", "1048577");
        bad(rows, "bench faults", "--warmup-runs", "-1", "101");
        bad(rows, "bench faults", "--spin-window-us", "-1", "1000001", "50us");
        bad(rows, "bench faults", "--ops", "teleport");
        bad(rows, "bench faults", "--strategies", "sometimes");
        bad(rows, "bench faults", "--out", "{raw}");
        bad(rows, "bench faults", "--cache-dir", "{raw}");

        bad(rows, "bench lazy", "--sizes-mib", "0", "-1", "65537", "x");
        bad(rows, "bench lazy", "--runs", "0", "-1", "101");
        bad(rows, "bench lazy", "--skip", "everything");
        bad(rows, "bench lazy", "--work-dir", "{raw}");
        bad(rows, "bench lazy", "--out", "{raw}");

        bad(rows, "bench snapshot", "--sizes", "0", "-1", "65537");
        bad(rows, "bench snapshot", "--workloads", "sideways");
        bad(rows, "bench snapshot", "--runs", "0", "-1");
        bad(rows, "bench snapshot", "--buffer-mib", "0", "4097");
        bad(rows, "bench snapshot", "--out", "{raw}");
        bad(rows, "bench snapshot", "--cache-dir", "{raw}");

        bad(rows, "bench compact", "--size", "0", "-1", "1x", "1m", "65g", "1000");
        bad(rows, "bench compact", "--runs", "0", "101");
        bad(rows, "bench compact", "--users", "-1", "65");
        bad(rows, "bench compact", "--compaction-threads", "0", "65");
        bad(rows, "bench compact", "--strategies", "FOO");
        bad(rows, "bench compact", "--seed", "x");
        bad(rows, "bench compact", "--fault-spin-us", "-1", "1000001");
        bad(rows, "bench compact", "--out", "{raw}");
        return rows.stream();
    }

    private static void bad(List<Row> rows, String command, String option, String... values) {
        for (String v : values) {
            rows.add(new Row(command, option, v, List.of()));
        }
    }

    @TempDir
    Path dir;
    private PrintStream systemOut;
    private PrintStream systemErr;
    private final ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
    private final ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();

    @BeforeEach
    void fixturesAndCapture() throws IOException {
        Files.write(dir.resolve("raw.img"), new byte[4096]);
        Files.createFile(dir.resolve("empty.img"));
        Files.write(dir.resolve("x.u4snap.partial"), new byte[8192]);
        Files.write(dir.resolve("corrupt.u4snap"), new byte[8192]);
        byte[] renamed = new byte[8192];
        System.arraycopy("U4JSNAP1".getBytes(StandardCharsets.US_ASCII), 0, renamed, 0, 8);
        Files.write(dir.resolve("renamed-snapshot.img"), renamed);
        // Some commands print with System.out/err: those streams are captured too.
        systemOut = System.out;
        systemErr = System.err;
        System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStreams() {
        System.setOut(systemOut);
        System.setErr(systemErr);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void refusedWithOneLineAndExitCodeTwo(Row row) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeFalse(Boolean.getBoolean("badinput.skipHeavy") && HEAVY.contains(row.toString()),
                "heavy row left out (-Dbadinput.skipHeavy)");
        List<String> before = files();
        List<String> args = new ArrayList<>(Arrays.asList(row.command().split(" ")));
        List<String> given = new ArrayList<>(row.extra());
        given.add(row.option());
        given.add(row.value());
        args.addAll(withoutOptionsOf(CHEAP.get(row.command()), given, row));
        if (row.option().equals("IMAGE")) {
            args.add(row.value());
        } else {
            args.add(row.option());
            args.add(row.value());
        }
        args.addAll(row.extra());
        List<String> resolved = args.stream().map(this::resolve).toList();

        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        // A refusal takes milliseconds; a command that starts working instead fails the row here.
        int exit = assertTimeoutPreemptively(REFUSAL_DEADLINE, () -> cl.execute(resolved.toArray(String[]::new)),
                () -> "not refused at once: " + resolved);

        String stdout = out + capturedOut.toString(StandardCharsets.UTF_8);
        String stderr = err + capturedErr.toString(StandardCharsets.UTF_8);
        String context = resolved + "\nstdout: " + stdout + "\nstderr: " + stderr;
        assertEquals(Main.USAGE, exit, context);
        List<String> lines = stderr.lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, lines.size(), () -> "exactly one line on stderr: " + context);
        String line = lines.getFirst();
        assertTrue(line.contains(row.option()), () -> "names the option: " + context);
        assertTrue(line.contains(resolve(row.value())), () -> "names the value: " + context);
        assertFalse(line.contains("Exception") || line.contains("\tat "), () -> "no exception or stack trace: " + context);
        assertTrue(stdout.isBlank(), () -> "nothing on stdout: " + context);
        assertEquals(before, files(), () -> "no file created or removed: " + context);
    }

    /** The cheap arguments minus those of the options the row sets itself. */
    private static List<String> withoutOptionsOf(List<String> cheap, List<String> given, Row row) {
        Map<String, String> options = new LinkedHashMap<>();
        List<String> result = new ArrayList<>();
        for (int i = 0; i < cheap.size(); i++) {
            String a = cheap.get(i);
            boolean valued = a.startsWith("--") && i + 1 < cheap.size() && !cheap.get(i + 1).startsWith("--")
                    && !a.equals("--quick") && !a.equals("--no-progress") && !a.equals("--no-checked")
                    && !a.equals("--no-c-reference");
            if (!a.startsWith("--")) {
                if (!row.option().equals("IMAGE")) {
                    result.add(a); // the positional IMAGE, unless the row tests it
                }
                continue;
            }
            if (valued) {
                options.put(a, cheap.get(++i));
            } else if (!given.contains(a)) {
                result.add(a);
            }
        }
        options.forEach((k, v) -> {
            if (!given.contains(k)) {
                result.add(k);
                result.add(v);
            }
        });
        return result;
    }

    private String resolve(String s) {
        return s.replace("{raw}", dir.resolve("raw.img").toString()).replace("{dir}", dir.toString());
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
