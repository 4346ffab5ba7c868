/**
 * What every command line of uffd4j shares (the {@code ./uffd4j} commands and the benchmark harnesses run
 * on their own): converters, checks that refuse bad input with one line, the handlers that print it, and
 * the options several commands declare alike (picocli mixins). Its own module so that no library module
 * depends on picocli.
 */
module io.uffd4j.cli.options {
    requires transitive info.picocli;

    exports io.uffd4j.cli.options;
    // picocli injects the options of the mixins reflectively.
    opens io.uffd4j.cli.options to info.picocli;
}
