package io.uffd4j.cli;

import picocli.CommandLine.ITypeConverter;

/** Parses sizes such as {@code 4096}, {@code 64M}, {@code 1G} (powers of 1024), whole 4 KiB pages up to 16G. */
final class ByteSize implements ITypeConverter<Long> {
    static final long MAX = 16L << 30;

    @Override
    public Long convert(String value) {
        return parse(value);
    }

    static long parse(String value) {
        return io.uffd4j.cli.options.ByteSize.parse(value, MAX);
    }
}
