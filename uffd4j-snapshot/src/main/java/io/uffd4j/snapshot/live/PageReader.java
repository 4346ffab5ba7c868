package io.uffd4j.snapshot.live;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Reads the current contents of pages of the snapshotted region without faulting on it: for a region
 * of another process, process_vm_readv; for a shared memfd region, a second mapping of the memfd.
 * The snapshot reads only pages that are present and write-protected, so what it reads is what the
 * pages held at the snapshot instant.
 */
public interface PageReader {
    /**
     * Copies {@code pages} whole pages starting at {@code firstPage} into the native buffers
     * {@code destinations[0..pages)} (one page each).
     */
    void readPages(long firstPage, int pages, MemorySegment[] destinations) throws IOException;
}
