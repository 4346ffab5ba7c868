package io.uffd4j.pager;

import java.time.Instant;

/**
 * A page the pager could not serve with verified content. The page was poisoned: the application's
 * access to it throws {@code java.lang.InternalError} (a fault in an unsafe memory access) instead of
 * reading wrong or zero bytes.
 */
public record PageFailure(long offset, String reason, Instant when) {
    @Override
    public String toString() {
        return "page at offset " + offset + " unavailable (" + when + "): " + reason;
    }
}
