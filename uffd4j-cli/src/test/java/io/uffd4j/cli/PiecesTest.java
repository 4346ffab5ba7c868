package io.uffd4j.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.*;

class PiecesTest {
    @Test
    void byteSizes() {
        assertEquals(4096, ByteSize.parse("4096"));
        assertEquals(64L << 20, ByteSize.parse("64M"));
        assertEquals(64L << 20, ByteSize.parse("64MiB"));
        assertEquals(64L << 20, ByteSize.parse("64mb"));
        assertEquals(1L << 30, ByteSize.parse("1G"));
        assertEquals(8L << 10, ByteSize.parse("8k"));
        for (String bad : List.of("", "M", "-1M", "0", "17G", "1000", "x")) {
            assertThrows(TypeConversionException.class, () -> ByteSize.parse(bad), bad);
        }
    }

    @Test
    void patternRecognisesItsPageAndNothingElse() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            PagePattern.fill(page, 77);
            assertEquals(-1, PagePattern.firstMismatch(page, 77));
            assertEquals(0, PagePattern.firstMismatch(page, 78), "another page's pattern differs from word 0");
            assertEquals(PagePattern.TAG | (77 * 512 + 5), page.getAtIndex(JAVA_LONG, 5));
            page.setAtIndex(JAVA_LONG, 300, 0);
            assertEquals(300, PagePattern.firstMismatch(page, 77));
            page.fill((byte) 0);
            assertEquals(0, PagePattern.firstMismatch(page, 0), "a zero page is not a served page");
        }
    }

    @Test
    void printerAlignsAndWraps() {
        StringWriter s = new StringWriter();
        Printer p = new Printer(new PrintWriter(s), new Terminal(false, false, 60));
        p.field("label", "word ".repeat(30).trim());
        p.status("route", "allowed", Printer.Color.GREEN, "detail ".repeat(10).trim());
        p.flush();
        List<String> lines = s.toString().lines().toList();
        assertTrue(lines.size() > 3, s.toString());
        for (String l : lines) {
            assertTrue(l.length() <= 60 || !l.trim().contains(" "), "wrapped at 60: '" + l + "'");
        }
        assertEquals(Printer.LABEL_WIDTH + 2, lines.get(0).indexOf("word"));
        assertEquals(Printer.LABEL_WIDTH + 2, lines.get(1).indexOf("word"), "continuation under the value");
        assertFalse(s.toString().contains("\u001b"));
    }

    @Test
    void colourOnlyWhenAsked() {
        Printer plain = new Printer(new PrintWriter(new StringWriter()), new Terminal(false, false, 80));
        Printer coloured = new Printer(new PrintWriter(new StringWriter()), new Terminal(true, true, 80));
        assertEquals("x", plain.paint("x", Printer.Color.RED));
        assertEquals("\u001b[31mx\u001b[0m", coloured.paint("x", Printer.Color.RED));
    }
}
