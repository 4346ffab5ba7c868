package io.uffd4j.compact;

/**
 * What ADAPTIVE measured and chose for one kind of page during a cycle.
 *
 * @param kind             KEPT, BUILT, FAULT_BUILT or FRESH
 * @param copyChosen       pages produced with UFFDIO_COPY
 * @param moveChosen       pages produced with UFFDIO_MOVE
 * @param copyNanosPerPage average cost of COPY (as known at the end of the cycle)
 * @param moveNanosPerPage average cost of MOVE
 * @param copyReleaseNanosPerPage what COPY is charged for the from-space page it leaves to be freed
 */
public record AdaptiveCase(String kind, long copyChosen, long moveChosen, double copyNanosPerPage,
                           double moveNanosPerPage, double copyReleaseNanosPerPage) {
}
