package io.uffd4j.snapshot;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad snapshot options: IllegalArgumentException naming the option, the value and what is accepted. */
class OptionsArgumentTest {
    record Case(String parameter, String value, Supplier<Snapshotter.Options> call) {
        @Override
        public String toString() {
            return parameter + " = " + value;
        }
    }

    static Stream<Case> cases() {
        Snapshotter.Options d = Snapshotter.Options.defaults();
        return Stream.of(
                new Case("bufferBytes", "0", () -> d.withBuffer(0)),
                new Case("bufferBytes", "-1", () -> d.withBuffer(-1)),
                new Case("bufferBytes", "65535", () -> d.withBuffer(65535)),
                new Case("bufferBytes", String.valueOf(Long.MAX_VALUE), () -> d.withBuffer(Long.MAX_VALUE)),
                new Case("runPages", "0", () -> new Snapshotter.Options(64L << 20, 0, d.quiesce())),
                new Case("runPages", "1025", () -> new Snapshotter.Options(64L << 20, 1025, d.quiesce())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedNamingTheOptionTheValueAndTheRange(Case c) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c.call()::get);
        assertTrue(e.getMessage().contains(c.parameter()), () -> "names " + c.parameter() + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(c.value()), () -> "names the value " + c.value() + ": " + e.getMessage());
        assertTrue(e.getMessage().contains("accepted"), () -> "says what is accepted: " + e.getMessage());
    }
}
