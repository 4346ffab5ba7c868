package io.uffd4j.pager;

import io.uffd4j.pager.region.Backing;
import io.uffd4j.error.ClosedException;
import io.uffd4j.mm.Advice;
import io.uffd4j.pager.source.SourceSpec;
import io.uffd4j.pager.spi.Codec;
import io.uffd4j.pager.spi.ExtensionListener;
import io.uffd4j.pager.spi.ExtensionProtocol;
import io.uffd4j.pager.spi.WireReader;
import io.uffd4j.pager.spi.WireWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import static io.uffd4j.pager.Verify.PAGE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every public operation of a closed LazyRegion, and opening a region on a closed Pager, throws
 * ClosedException naming the operation and the object (not a PagerException, a failed future or an
 * IllegalStateException of a revoked segment); the immutable facts keep answering.
 */
class ClosedRegionTest {
    /** A protocol nobody serves: the request must be refused before anything is encoded or sent. */
    private static final Codec<String> STRINGS = new Codec<>() {
        @Override
        public void write(WireWriter out, String value) {
            out.writeString(value);
        }

        @Override
        public String read(WireReader in) {
            return in.readString();
        }
    };
    private static final ExtensionProtocol<String, String, String> NOBODY =
            new ExtensionProtocol<>("io.uffd4j.pager.NoSuchExtension", STRINGS, STRINGS, STRINGS);

    private static Pager pager;
    private static Pager closedPager;
    private static LazyRegion region;

    @BeforeAll
    static void openAndClose() {
        pager = Pager.launch();
        region = LazyRegion.builder(4 * PAGE).source(SourceSpec.generator(1, 4 * PAGE)).pager(pager).open();
        region.close();
        region.close();
        closedPager = Pager.launch();
        closedPager.close();
        closedPager.close();
    }

    @AfterAll
    static void stopPager() {
        if (pager != null) {
            pager.close();
        }
    }

    static Map<String, Executable> calls() {
        Map<String, Executable> c = new LinkedHashMap<>();
        c.put("segment", region::segment);
        c.put("advise", () -> region.advise(0, PAGE, Advice.DONTNEED));
        c.put("stats", () -> region.stats());
        c.put("statsTimeout", () -> region.stats(Duration.ofSeconds(1)));
        c.put("awaitFullyResident", () -> region.awaitFullyResident(Duration.ofSeconds(1)));
        c.put("readSafely", () -> {
            try (Arena arena = Arena.ofConfined()) {
                region.readSafely(0, arena.allocate(PAGE));
            }
        });
        c.put("extensionRequest", () -> region.extensionRequest(NOBODY, "hello"));
        c.put("onExtensionEvent", () -> region.onExtensionEvent(NOBODY, (ExtensionListener<String>) e -> {}));
        c.put("openOnAClosedPager", () -> LazyRegion.builder(PAGE).pager(closedPager).open());
        return c;
    }

    static Stream<String> operations() {
        return calls().keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("operations")
    void throwsClosedException(String operation) {
        ClosedException e = assertThrows(ClosedException.class, calls().get(operation), operation);
        assertTrue(e.getMessage().contains(e.operation()), e.getMessage());
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertTrue(e.getMessage().contains("LazyRegion") || e.getMessage().contains("Pager"), e.getMessage());
    }

    @Test
    void immutableFactsStayReadable() {
        assertEquals(4 * PAGE, region.size());
        assertTrue(region.address() != 0);
        assertEquals(Backing.PRIVATE_ANONYMOUS, region.backing());
        assertFalse(closedPager.isAlive());
        assertTrue(pager.isAlive(), "closing a region leaves its pager serving");
    }
}
