package io.uffd4j.ipc;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Directories left by killed processes are removed by the next one; a live owner's are kept. */
class ScratchDirectoryTest {
    @Test
    void aDeadOwnersDirectoryIsSweptALiveOnesIsKept(@TempDir Path parent) throws Exception {
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path left = Files.createDirectory(parent.resolve("uffd4j-x-" + gone.pid() + "-123"));
        Files.writeString(left.resolve("image"), "data");
        Path live = Files.createDirectory(parent.resolve("uffd4j-x-" + ProcessHandle.current().pid() + "-456"));
        Path other = Files.createDirectory(parent.resolve("uffd4j-xy-" + gone.pid() + "-789"));
        Path unrelated = Files.createDirectory(parent.resolve("uffd4j-x-notapid"));
        try (ScratchDirectory d = ScratchDirectory.create(parent, "uffd4j-x")) {
            assertFalse(Files.exists(left), "the directory of a dead process is still there");
            assertTrue(Files.isDirectory(live));
            assertTrue(Files.isDirectory(other), "another prefix was swept");
            assertTrue(Files.isDirectory(unrelated));
            assertTrue(d.path().getFileName().toString().startsWith("uffd4j-x-" + ProcessHandle.current().pid() + "-"));
            Files.writeString(d.path().resolve("f"), "x");
            d.close();
            assertFalse(Files.exists(d.path()));
        }
    }

    @Test
    void aPrefixThatIsNotAFileNameIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ScratchDirectory.create("a/b"));
        assertThrows(IllegalArgumentException.class, () -> ScratchDirectory.create(""));
    }
}
