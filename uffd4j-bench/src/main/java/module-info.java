/**
 * uffd4j benchmarks: harnesses run by one command that compare uffd4j with a C reference of the same
 * design (built with the machine's gcc at run time) and write a report (JSON and PNG plots).
 */
module io.uffd4j.bench {
    requires io.uffd4j.core;
    requires io.uffd4j.pager;
    requires io.uffd4j.snapshot;
    requires io.uffd4j.compact;
    requires HdrHistogram;
    requires io.uffd4j.cli.options;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires org.knowm.xchart;
    requires java.desktop;
    requires java.management;

    exports io.uffd4j.bench.faults;
    exports io.uffd4j.bench.snapshot;
    exports io.uffd4j.bench.compact;
    exports io.uffd4j.bench.lazy;
    exports io.uffd4j.bench.support;

    opens io.uffd4j.bench.faults to info.picocli, com.fasterxml.jackson.databind;
    opens io.uffd4j.bench.snapshot to info.picocli, com.fasterxml.jackson.databind;
    opens io.uffd4j.bench.compact to info.picocli, com.fasterxml.jackson.databind;
    opens io.uffd4j.bench.lazy to info.picocli, com.fasterxml.jackson.databind;
    opens io.uffd4j.bench.support to info.picocli; // option mixins
}
