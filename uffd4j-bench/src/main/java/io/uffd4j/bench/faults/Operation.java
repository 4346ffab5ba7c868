package io.uffd4j.bench.faults;

import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** What one fault of a configuration exercises: the register mode, the resolving ioctl and the access. */
public enum Operation {
    /** MISSING fault resolved with UFFDIO_COPY from one stamped source page; the access is a load. */
    COPY("MISSING + COPY", false),
    /** MISSING fault resolved with UFFDIO_ZEROPAGE; the access is a load. */
    ZEROPAGE("MISSING + ZEROPAGE", false),
    /** MISSING fault resolved with UFFDIO_MOVE from a prefilled source registered nowhere; a load. */
    MOVE("MISSING + MOVE", false),
    /** Write-protect fault on a populated, protected page, resolved by unprotecting it; a store. */
    WP("WP + unprotect", true),
    /** MINOR fault on a memfd whose page cache is filled, resolved with UFFDIO_CONTINUE; a load. */
    CONTINUE("MINOR + CONTINUE", false),
    /** No userfaultfd: a plain first-touch fault on anonymous memory (a store); the floor. */
    FLOOR("first touch, no uffd", true);

    private final String label;
    private final boolean writeAccess;

    Operation(String label, boolean writeAccess) {
        this.label = label;
        this.writeAccess = writeAccess;
    }

    /** The name used on the command line, in the JSON report and by the C reference. */
    @JsonValue
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String label() {
        return label;
    }

    /** Whether the faulting access is a store (else a load). */
    public boolean writeAccess() {
        return writeAccess;
    }

    /** Whether the operation involves a userfaultfd handler (so that wait strategies apply). */
    public boolean served() {
        return this != FLOOR;
    }

    public static Operation parse(String s) {
        for (Operation o : values()) {
            if (o.key().equalsIgnoreCase(s.trim())) {
                return o;
            }
        }
        throw new IllegalArgumentException("unknown operation '" + s + "' (expected one of copy, zeropage, move, wp, continue, floor)");
    }
}
