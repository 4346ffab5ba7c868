package io.uffd4j.cli.options;

import picocli.CommandLine.TypeConversionException;

import java.util.Locale;

/** Sizes such as {@code 4096}, {@code 64M}, {@code 64MiB}, {@code 1G} (powers of 1024), whole pages of 4 KiB. */
public final class ByteSize {
    private ByteSize() {}

    /** The number of bytes {@code value} names, from 4 KiB to {@code max} bytes and a multiple of 4 KiB. */
    public static long parse(String value, long max) {
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
        String accepted = "a size from 4K to " + describe(max) + " in whole 4 KiB pages, e.g. 4096, 64M, 1G";
        long n;
        try {
            n = Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a size (accepted: " + accepted + ")");
        }
        if (n <= 0 || n > (max >> shift)) {
            throw new TypeConversionException("'" + value + "' is out of range (accepted: " + accepted + ")");
        }
        long bytes = n << shift;
        if (bytes % 4096 != 0) {
            throw new TypeConversionException("'" + value + "' is not a multiple of 4 KiB (accepted: " + accepted + ")");
        }
        return bytes;
    }

    static String describe(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return (bytes >> 30) + "G";
        }
        return bytes % (1L << 20) == 0 ? (bytes >> 20) + "M" : bytes + " bytes";
    }
}
