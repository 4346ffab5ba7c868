package io.uffd4j.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.util.Locale;

/** Parses sizes such as {@code 4096}, {@code 64M}, {@code 1G} (powers of 1024). */
final class ByteSize implements ITypeConverter<Long> {
    static final long MAX = 16L << 30;

    @Override
    public Long convert(String value) {
        return parse(value);
    }

    static long parse(String value) {
        String v = value.trim().toUpperCase(Locale.ROOT);
        if (v.endsWith("IB")) {
            v = v.substring(0, v.length() - 2);
        } else if (v.endsWith("B") && v.length() > 1 && !Character.isDigit(v.charAt(v.length() - 2))) {
            v = v.substring(0, v.length() - 1);
        }
        int shift = 0;
        if (!v.isEmpty()) {
            switch (v.charAt(v.length() - 1)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                default -> { }
            }
        }
        if (shift > 0) {
            v = v.substring(0, v.length() - 1);
        }
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a size (examples: 4096, 64M, 1G)");
        }
        if (n <= 0 || n > (MAX >> shift)) {
            throw new TypeConversionException("size " + value + " must be between 1 byte and 16G");
        }
        long bytes = n << shift;
        long page = 4096;
        if (bytes % page != 0) {
            throw new TypeConversionException("size " + value + " must be a multiple of 4 KiB");
        }
        return bytes;
    }
}
