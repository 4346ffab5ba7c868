package io.uffd4j.cli.options;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Whole-number converters registered for every {@code int} and {@code long} option (by
 * {@link CommandLines#configure}): they say what was wrong with a value (not a number, a unit where the
 * option takes a plain number, too large) instead of picocli's "is not an int". Ranges are checked by each
 * command with {@link Refusal#range}.
 */
public final class Numbers {
    private Numbers() {}

    /** Parses a plain whole number within [min, max] of the Java type. */
    static long parse(String value, long min, long max) {
        String v = value.trim();
        if (!v.matches("[+-]?[0-9]+")) {
            String unit = v.matches("[+-]?[0-9]+\\s*[A-Za-z]+") ? " (this option takes a plain number; its unit is in its name or its help)" : "";
            throw new TypeConversionException("'" + value + "' is not a whole number" + unit);
        }
        long n;
        try {
            n = Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is too large (at most " + max + ")");
        }
        if (n < min || n > max) {
            throw new TypeConversionException("'" + value + "' is out of range (at most " + max + ", at least " + min + ")");
        }
        return n;
    }

    /** {@code int} and {@code Integer} options. */
    public static final class IntConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return (int) parse(value, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
    }

    /** {@code long} and {@code Long} options. */
    public static final class LongConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return parse(value, Long.MIN_VALUE, Long.MAX_VALUE);
        }
    }
}
