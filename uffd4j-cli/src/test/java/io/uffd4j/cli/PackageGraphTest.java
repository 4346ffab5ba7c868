package io.uffd4j.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No import runs back up: the packages of every module's main classes form a graph without cycles.
 * Read from the compiled classes (every class a class refers to, in its constant pool and in the type
 * descriptors of its fields and methods), so that fully qualified names count as much as imports.
 *
 * <p>One edge back is allowed, by design: a package's own {@code .internal} implementation package may
 * use the API's value types while the API's entry point holds the implementation. It is left out of the
 * graph; any cycle that remains fails.
 */
class PackageGraphTest {
    private static final Pattern TYPE = Pattern.compile("L(io/uffd4j/[A-Za-z0-9_/$]+)[;<]");

    @Test
    void packagesFormNoCycle() throws IOException {
        Map<String, Set<String>> graph = packageGraph();
        assertTrue(graph.size() > 20, "read the packages of every module: " + graph.keySet());
        List<String> cycles = new ArrayList<>();
        for (var e : graph.entrySet()) {
            for (String to : e.getValue()) {
                List<String> back = path(graph, to, e.getKey());
                if (back != null) {
                    cycles.add(e.getKey() + " -> " + String.join(" -> ", back));
                }
            }
        }
        assertEquals(List.of(), cycles, "package cycles");
    }

    static Map<String, Set<String>> packageGraph() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        List<Path> roots;
        try (Stream<Path> modules = Files.list(Path.of(".."))) {
            roots = modules.filter(m -> m.getFileName().toString().startsWith("uffd4j-"))
                    .map(m -> m.resolve("target/classes")).filter(Files::isDirectory).toList();
        }
        for (Path root : roots) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".class") && !p.endsWith("module-info.class")).toList()) {
                    ClassModel model = ClassFile.of().parse(f);
                    String self = packageOf(model.thisClass().asInternalName());
                    Set<String> out = graph.computeIfAbsent(self, k -> new TreeSet<>());
                    for (PoolEntry entry : model.constantPool()) {
                        if (entry instanceof ClassEntry c && c.asInternalName().startsWith("io/uffd4j/")) {
                            out.add(packageOf(c.asInternalName()));
                        } else if (entry instanceof Utf8Entry u) {
                            Matcher m = TYPE.matcher(u.stringValue());
                            while (m.find()) {
                                out.add(packageOf(m.group(1)));
                            }
                        }
                    }
                    out.remove(self);
                    if (self.endsWith(".internal")) {
                        out.remove(self.substring(0, self.length() - ".internal".length())); // the allowed edge
                    }
                }
            }
        }
        return graph;
    }

    /** A path from {@code from} to {@code to}, or null. */
    private static List<String> path(Map<String, Set<String>> graph, String from, String to) {
        Map<String, String> parent = new TreeMap<>();
        Deque<String> queue = new ArrayDeque<>(List.of(from));
        Set<String> seen = new HashSet<>(List.of(from));
        while (!queue.isEmpty()) {
            String at = queue.removeFirst();
            if (at.equals(to)) {
                List<String> p = new ArrayList<>();
                for (String x = to; x != null; x = parent.get(x)) {
                    p.addFirst(x);
                }
                return p;
            }
            for (String next : graph.getOrDefault(at, Set.of())) {
                if (seen.add(next)) {
                    parent.put(next, at);
                    queue.addLast(next);
                }
            }
        }
        return null;
    }

    private static String packageOf(String internalName) {
        return internalName.substring(0, internalName.lastIndexOf('/')).replace('/', '.');
    }
}
