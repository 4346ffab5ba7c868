/**
 * What every command of {@code ./uffd4j} and every benchmark harness shares for bad input: number and size
 * converters, range, file and free-space checks that refuse with one line naming the option, the value and
 * what is accepted, and the handlers that turn a refusal into that one line on stderr and exit code 2; and
 * the options several commands declare alike, as picocli mixins. Its own module (uffd4j-cli-options), used
 * by uffd4j-bench and uffd4j-cli, so that no library module depends on picocli.
 */
package io.uffd4j.cli.options;
