package io.uffd4j.pager.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * What a pager supervisor runs with, and its command line: {@code Pager.launch} writes it with
 * {@link #toArgs()} and the supervisor's {@code main} reads it back with {@link #parse(List)}.
 *
 * @param socket        where applications connect (the worker's and guardian's sockets are its siblings)
 * @param daemon        keep running when the last application has gone ({@code ./uffd4j pager})
 * @param hangTimeout   a worker silent or busy on one fault this long is killed and replaced
 * @param maxRestarts   hangs of one region before its missing pages fail loudly
 * @param workerHeap    the worker's -Xmx
 * @param lossTimeout   how long the guardian waits for a silent supervisor before it takes the regions over
 * @param ownsDirectory the socket's directory was made for this supervisor alone (by {@code Pager.launch})
 *                      and is deleted when it exits
 */
public record SupervisorConfig(Path socket, boolean daemon, Duration hangTimeout, int maxRestarts, String workerHeap,
                               Duration lossTimeout, boolean ownsDirectory) {
    public static final Duration DEFAULT_HANG_TIMEOUT = Duration.ofSeconds(3);
    public static final int DEFAULT_MAX_RESTARTS = 3;
    public static final String DEFAULT_WORKER_HEAP = "256m";
    public static final Duration DEFAULT_LOSS_TIMEOUT = Duration.ofSeconds(5);

    private static final String SOCKET = "--socket";
    private static final String DAEMON = "--daemon";
    private static final String HANG_TIMEOUT = "--hang-timeout-ms";
    private static final String MAX_RESTARTS = "--max-restarts";
    private static final String WORKER_HEAP = "--worker-heap";
    private static final String LOSS_TIMEOUT = "--loss-timeout-ms";
    private static final String OWNS_DIRECTORY = "--owns-directory";
    private static final List<String> OPTIONS = List.of(SOCKET, DAEMON, HANG_TIMEOUT, MAX_RESTARTS, WORKER_HEAP,
            LOSS_TIMEOUT, OWNS_DIRECTORY);

    public SupervisorConfig {
        Objects.requireNonNull(socket, "socket");
        Objects.requireNonNull(workerHeap, "workerHeap");
        if (hangTimeout.isNegative() || hangTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("hang timeout must be at least 1 ms, was " + hangTimeout.toMillis() + " ms");
        }
        if (lossTimeout.isNegative() || lossTimeout.toMillis() < 1) {
            throw new IllegalArgumentException("loss timeout must be at least 1 ms, was " + lossTimeout.toMillis() + " ms");
        }
        if (maxRestarts < 0) {
            throw new IllegalArgumentException("max restarts must be 0 or more, was " + maxRestarts);
        }
    }

    public SupervisorConfig(Path socket, boolean daemon, Duration hangTimeout, int maxRestarts, String workerHeap) {
        this(socket, daemon, hangTimeout, maxRestarts, workerHeap, DEFAULT_LOSS_TIMEOUT, false);
    }

    /** The supervisor's command line for this configuration: every option, each followed by its value. */
    public List<String> toArgs() {
        return List.of(SOCKET, socket.toString(), DAEMON, Boolean.toString(daemon),
                HANG_TIMEOUT, Long.toString(hangTimeout.toMillis()), MAX_RESTARTS, Integer.toString(maxRestarts),
                WORKER_HEAP, workerHeap, LOSS_TIMEOUT, Long.toString(lossTimeout.toMillis()),
                OWNS_DIRECTORY, Boolean.toString(ownsDirectory));
    }

    /**
     * Reads a supervisor command line: options each followed by a value, {@code --socket} required, each
     * option at most once, the others defaulting as above. Anything else is an {@link IllegalArgumentException}
     * naming the option, the value and what is accepted.
     */
    public static SupervisorConfig parse(List<String> args) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.size(); i += 2) {
            String option = args.get(i);
            if (!OPTIONS.contains(option)) {
                throw new IllegalArgumentException("unknown supervisor option '" + option + "' (accepted: "
                        + String.join(", ", OPTIONS) + ")");
            }
            if (i + 1 == args.size()) {
                throw new IllegalArgumentException("supervisor option " + option + " has no value");
            }
            if (values.putIfAbsent(option, args.get(i + 1)) != null) {
                throw new IllegalArgumentException("supervisor option " + option + " is given twice");
            }
        }
        String socket = values.get(SOCKET);
        if (socket == null || socket.isBlank()) {
            throw new IllegalArgumentException("supervisor option " + SOCKET + " is required (accepted: a Unix socket path)");
        }
        return new SupervisorConfig(Path.of(socket),
                value(values, DAEMON, false, SupervisorConfig::bool),
                value(values, HANG_TIMEOUT, DEFAULT_HANG_TIMEOUT, v -> Duration.ofMillis(number(v, 1, Long.MAX_VALUE))),
                value(values, MAX_RESTARTS, DEFAULT_MAX_RESTARTS, v -> (int) number(v, 0, Integer.MAX_VALUE)),
                value(values, WORKER_HEAP, DEFAULT_WORKER_HEAP, v -> v),
                value(values, LOSS_TIMEOUT, DEFAULT_LOSS_TIMEOUT, v -> Duration.ofMillis(number(v, 1, Long.MAX_VALUE))),
                value(values, OWNS_DIRECTORY, false, SupervisorConfig::bool));
    }

    /** The value of {@code option} converted, its default if absent; a conversion's complaint names the option. */
    private static <T> T value(Map<String, String> values, String option, T absent, Function<String, T> convert) {
        String v = values.get(option);
        if (v == null) {
            return absent;
        }
        try {
            return convert.apply(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("supervisor option " + option + " '" + v + "': " + e.getMessage(), e);
        }
    }

    private static boolean bool(String v) {
        return switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("not a boolean (accepted: true or false)");
        };
    }

    private static long number(String v, long min, long max) {
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number (accepted: " + min + " to " + max + ")");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("out of range (accepted: " + min + " to " + max + ")");
        }
        return n;
    }
}
