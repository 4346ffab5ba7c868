package io.uffd4j.internal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Builds the command line of a child JVM that sees exactly the modules and classes this JVM sees
 * (same java binary, module path, class path, patches, native-access grants), with another main class.
 * Used to start the out-of-process pager and, in tests, workloads under a chosen collector.
 */
public final class ChildJvm {
    private ChildJvm() {}

    /** Options that take their value as the next argument. */
    private static final Set<String> WITH_VALUE = Set.of("-p", "--module-path", "-cp", "-classpath", "--class-path",
            "--patch-module", "--add-opens", "--add-reads", "--add-exports", "--add-modules", "--limit-modules",
            "--upgrade-module-path", "--enable-native-access", "--illegal-native-access", "--source");

    /** GC selection options, replaced when the caller picks a collector. */
    private static boolean isGcOption(String a) {
        return a.matches("-XX:[+-]Use\\w*GC") || a.startsWith("-XX:+UseZGC") || a.startsWith("-XX:-ZGenerational")
                || a.startsWith("-XX:+ZGenerational");
    }

    /**
     * The JVM options of this JVM (everything before its main class), with {@code @argfiles} expanded,
     * debugger agents removed and, if {@code dropGc}, collector choices removed.
     */
    public static List<String> currentJvmOptions(boolean dropGc) {
        List<String> args = new ArrayList<>();
        for (String s : ownArguments()) {
            if (s.startsWith("@")) {
                args.addAll(readArgFile(Path.of(s.substring(1))));
            } else {
                args.add(s);
            }
        }
        List<String> options = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("-m") || a.equals("--module") || a.equals("-jar") || !a.startsWith("-")) {
                break;
            }
            if (a.startsWith("-agentlib:jdwp") || (dropGc && isGcOption(a))) {
                continue;
            }
            options.add(a);
            if (WITH_VALUE.contains(a) && i + 1 < args.size()) {
                options.add(args.get(++i));
            }
        }
        if (options.stream().noneMatch(o -> o.equals("-cp") || o.equals("-classpath") || o.equals("--class-path")
                || o.startsWith("--module-path") || o.equals("-p"))) {
            String cp = System.getProperty("java.class.path", "");
            if (!cp.isEmpty()) {
                options.add("-cp");
                options.add(cp);
            }
        }
        return options;
    }

    /**
     * This process's arguments (without the program). From /proc/self/cmdline: the JDK's ProcessHandle gives
     * none for a command line longer than a page, and a child started with expanded argument files (the
     * pager's supervisor) has one that long.
     */
    private static List<String> ownArguments() {
        try {
            String cmdline = new String(Files.readAllBytes(Path.of("/proc/self/cmdline")), StandardCharsets.UTF_8);
            List<String> all = List.of(cmdline.split("\0"));
            return all.isEmpty() ? List.of() : all.subList(1, all.size());
        } catch (IOException e) {
            return ProcessHandle.current().info().arguments().map(List::of).orElse(List.of());
        }
    }

    /** {@code java <this JVM's options> <extraOptions> <mainClass> <args>}. */
    public static List<String> command(List<String> extraOptions, boolean dropGc, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.addAll(currentJvmOptions(dropGc));
        cmd.addAll(extraOptions);
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    public static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
    }

    /** Parses a java launcher @argfile: whitespace-separated tokens, double or single quotes group. */
    static List<String> readArgFile(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read JVM argument file " + file, e);
        }
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inToken = false;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && i + 1 < text.length()) {
                    cur.append(text.charAt(++i));
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inToken = true;
            } else if (Character.isWhitespace(c)) {
                if (inToken) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inToken = false;
                }
            } else {
                cur.append(c);
                inToken = true;
            }
        }
        if (inToken) {
            out.add(cur.toString());
        }
        return out;
    }
}
