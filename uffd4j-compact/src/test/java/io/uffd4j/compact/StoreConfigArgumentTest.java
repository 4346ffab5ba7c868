package io.uffd4j.compact;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad store settings: IllegalArgumentException at build(), before any system call, naming the setting and the value. */
class StoreConfigArgumentTest {
    record Case(String parameter, String value, Supplier<StoreConfig> build) {
        @Override
        public String toString() {
            return parameter + " = " + value;
        }
    }

    static Stream<Case> cases() {
        long mib = 1 << 20;
        return Stream.of(
                new Case("regionSize", "0", () -> StoreConfig.builder(0).build()),
                new Case("regionSize", "-4096", () -> StoreConfig.builder(-4096).build()),
                new Case("regionSize", "4097", () -> StoreConfig.builder(4097).build()),
                new Case("regionSize", String.valueOf(Long.MAX_VALUE), () -> StoreConfig.builder(Long.MAX_VALUE).build()),
                new Case("regionSize", String.valueOf(1L << 50), () -> StoreConfig.builder(1L << 50).build()),
                new Case("maxRecords", "0", () -> StoreConfig.builder(mib).maxRecords(0).build()),
                new Case("maxRecordSize", "0", () -> StoreConfig.builder(mib).maxRecordSize(0).build()),
                new Case("compactionThreads", "0", () -> StoreConfig.builder(mib).compactionThreads(0).build()),
                new Case("compactionThreads", "65", () -> StoreConfig.builder(mib).compactionThreads(65).build()),
                new Case("faultThreads", "-1", () -> StoreConfig.builder(mib).faultThreads(-1).build()),
                new Case("pageKeepThreshold", "NaN", () -> StoreConfig.builder(mib).pageKeepThreshold(Double.NaN).build()),
                new Case("pageKeepThreshold", "1.5", () -> StoreConfig.builder(mib).pageKeepThreshold(1.5).build()),
                new Case("pacePerPage", "PT-0.001S", () -> StoreConfig.builder(mib).pacePerPage(Duration.ofMillis(-1)).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void refusedNamingTheSettingAndTheValue(Case c) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.build().get());
        assertTrue(e.getMessage().contains(c.parameter()), () -> "names " + c.parameter() + ": " + e.getMessage());
        assertTrue(e.getMessage().contains(c.value()), () -> "names the value " + c.value() + ": " + e.getMessage());
    }
}
