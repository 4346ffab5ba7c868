/**
 * What every command of {@code ./uffd4j} shares for bad input: number and size converters, range, file and
 * free-space checks that refuse with one line naming the option, the value and what is accepted, and the
 * handlers that turn a refusal into that one line on stderr and exit code 2. It lives in the lowest module
 * that uses picocli, so the pager, snapshot, bench and cli commands all see it.
 */
package io.uffd4j.pager.cli.options;
