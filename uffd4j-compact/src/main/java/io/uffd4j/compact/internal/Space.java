package io.uffd4j.compact.internal;

import io.uffd4j.Feature;
import io.uffd4j.RegisterMode;
import io.uffd4j.mm.Mapping;

import java.util.Set;

/** The memory a store keeps its records in, and how a cycle takes the pages out of it. */
sealed interface Space extends AutoCloseable permits AnonymousSpace, MemfdSpace {
    /** The region users' records live in (the object may change at each flip). */
    Mapping region();

    long size();

    /** The fault kinds the region is registered for during a cycle. */
    Set<RegisterMode> registerModes();

    /** The userfaultfd features a cycle needs. */
    Set<Feature> features();

    /** In the pause: moves the region's pages out (the region reads as missing afterwards). */
    FromSpace flip();

    /** In the pause, when the cycle could not start after {@link #flip}: puts the pages back. */
    void unflip(FromSpace from);

    /** After the cycle: gives the from-space memory back to the kernel. */
    void release(FromSpace from);

    @Override
    void close();
}
