/**
 * {@code ./uffd4j}: the command line of uffd4j (picocli). {@code doctor} reports what this machine
 * offers userfaultfd and what to change; {@code demo} serves a region in-process and reads it through
 * GuardedMemory; {@code bench} groups the benchmark harnesses.
 */
module io.uffd4j.cli {
    requires io.uffd4j.core;
    requires io.uffd4j.bench;
    requires io.uffd4j.pager;
    requires io.uffd4j.snapshot;
    requires io.uffd4j.compact;
    requires io.uffd4j.cli.options;
    requires io.uffd4j.testkit;
    requires info.picocli;
    requires com.fasterxml.jackson.databind;
    requires me.tongfei.progressbar;
    requires HdrHistogram;

    // picocli instantiates the commands and injects their options reflectively.
    opens io.uffd4j.cli to info.picocli;
    opens io.uffd4j.cli.pager to info.picocli;
    opens io.uffd4j.cli.snapshot to info.picocli;
}
