package io.uffd4j.pager.server;

import io.uffd4j.pager.source.PageSource;

/**
 * A page source used by a region's server and the servers of its forked children: closed when the last
 * of them ends, so that a child outliving its parent's region never reads a closed source (an image
 * source's direct address would point at memory unmapped and perhaps reused).
 */
final class SharedSource {
    private final PageSource source;
    private int users = 1;

    SharedSource(PageSource source) {
        this.source = source;
    }

    /** One more user; false if the source is already closed. */
    synchronized boolean retain() {
        if (users == 0) {
            return false;
        }
        users++;
        return true;
    }

    void release() {
        boolean last;
        synchronized (this) {
            if (users == 0) {
                return;
            }
            last = --users == 0;
        }
        if (last) {
            source.close();
        }
    }
}
