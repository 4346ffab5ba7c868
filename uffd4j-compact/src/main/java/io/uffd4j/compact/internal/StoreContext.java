package io.uffd4j.compact.internal;

import io.uffd4j.Userfaultfd;
import io.uffd4j.compact.StoreConfig;

/**
 * What the parts of one store share, fixed when it opens: its configuration, its number, the region and
 * its space, the userfaultfd (null for STOP_THE_WORLD) and the gate every user operation enters.
 */
record StoreContext(int id, StoreConfig config, long pageSize, Space space, Userfaultfd uffd, long region,
                    long regionSize, AccessGate gate) {}
