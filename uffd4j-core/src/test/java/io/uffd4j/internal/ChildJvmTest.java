package io.uffd4j.internal;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A child JVM sees its own options, however long its command line: the pager's supervisor, started with
 * this JVM's options (argument files expanded), starts its worker and guardian from its own. The JDK's
 * ProcessHandle gives no arguments at all for a command line longer than a page (4 KiB), which a module
 * path of a few dozen jars exceeds; the worker then lost the module path and could not be found.
 */
class ChildJvmTest {
    private static final String LONG_OPTION = "-Duffd4j.test.long=" + "x".repeat(6000);

    @Test
    void aChildWithACommandLineLongerThanAPageSeesItsOwnOptions() throws Exception {
        List<String> cmd = ChildJvm.command(List.of(LONG_OPTION), false, PrintOptions.class.getName(), List.of());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child did not exit");
        assertEquals(0, p.exitValue(), out);
        List<String> childOptions = out.lines().toList();
        assertTrue(childOptions.contains(LONG_OPTION), () -> "the child does not see its own options: " + abbreviated(out));
        assertEquals(ChildJvm.currentJvmOptions(false), childOptions.subList(0, childOptions.indexOf(LONG_OPTION)),
                "the child's options start with this JVM's");
    }

    private static String abbreviated(String s) {
        return s.length() < 2000 ? s : s.substring(0, 2000) + "...";
    }

    /** Prints the options it sees, one a line. */
    public static final class PrintOptions {
        public static void main(String[] args) {
            ChildJvm.currentJvmOptions(false).forEach(System.out::println);
        }
    }
}
