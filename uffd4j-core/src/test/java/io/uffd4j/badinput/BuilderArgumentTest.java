package io.uffd4j.badinput;

import io.uffd4j.Userfaultfd;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;
import io.uffd4j.serve.FailurePolicy;
import io.uffd4j.serve.FaultServer;
import io.uffd4j.serve.WaitStrategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad arguments to the public builders of the fault server: IllegalArgumentException before any system call,
 * naming the parameter and the value (the accepted range is in the message too).
 */
class BuilderArgumentTest {
    static Userfaultfd uffd;
    static Mapping mapping;

    record Case(String parameter, String value, Consumer<FaultServer.Builder> call) {
        @Override
        public String toString() {
            return parameter + " = " + value;
        }
    }

    @BeforeAll
    static void open() {
        uffd = Userfaultfd.open();
        mapping = Mapping.anonymous(PageSizes.base());
    }

    @AfterAll
    static void close() {
        mapping.close();
        uffd.close();
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("threads", "0", b -> b.threads(0)),
                new Case("threads", "-1", b -> b.threads(-1)),
                new Case("threads", "257", b -> b.threads(257)),
                new Case("batchSize", "0", b -> b.batchSize(0)),
                new Case("batchSize", "4097", b -> b.batchSize(4097)),
                new Case("drainTimeout", "PT-1S", b -> b.drainTimeout(Duration.ofSeconds(-1))),
                new Case("registerModes", "[]", b -> b.serve(mapping, Set.of(), null)),
                new Case("attempts", "0", b -> new FailurePolicy(0, Duration.ZERO, Duration.ZERO, FailurePolicy.GiveUp.POISON)),
                new Case("firstBackoff", "PT2S", b -> new FailurePolicy(1, Duration.ofSeconds(2), Duration.ofSeconds(1),
                        FailurePolicy.GiveUp.POISON)),
                new Case("firstBackoff", "PT-0.001S", b -> new FailurePolicy(1, Duration.ofMillis(-1), Duration.ofSeconds(1),
                        FailurePolicy.GiveUp.POISON)),
                new Case("spin", "PT-0.001S", b -> WaitStrategy.spinThenBlock(Duration.ofMillis(-1))));
    }

    /** Mapping sizes are refused before mmap by an argument check (RangeArgumentException), naming the size and the range. */
    @ParameterizedTest(name = "Mapping.anonymous({0})")
    @org.junit.jupiter.params.provider.ValueSource(longs = {0, -4096, 4097, Long.MAX_VALUE, Long.MAX_VALUE & -4096L, (1L << 47) + 4096})
    void mappingSizesRefusedBeforeMmap(long size) {
        io.uffd4j.error.RangeArgumentException e = assertThrows(io.uffd4j.error.RangeArgumentException.class,
                () -> Mapping.anonymous(size).close());
        assertTrue(e.getMessage().contains("size " + size + " "), e.getMessage());
        assertTrue(e.getMessage().contains("accepted"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedNamingTheParameterAndTheValue(Case c) {
        FaultServer.Builder builder = FaultServer.builder(uffd);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.call().accept(builder));
        assertEquals(IllegalArgumentException.class, e.getClass());
        assertTrue(e.getMessage().contains(c.parameter()), () -> "names " + c.parameter() + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(c.value()), () -> "names the value " + c.value() + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("accepted"), () -> "says what is accepted: " + e.getMessage());
    }
}
