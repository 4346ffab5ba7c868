package io.uffd4j.compact;

/**
 * How the pages of one compaction cycle were produced.
 *
 * @param byCompactors      to-space pages installed by compaction threads
 * @param onFault           to-space pages installed because a user touched them first (a fault)
 * @param byUsers           to-space pages a user operation produced itself before touching them (user assist)
 * @param freshOnFault      pages past the compacted data produced (zeroed) for records put during the cycle
 * @param staleFaults       fault messages for pages already installed (the thread had been woken)
 * @param recycled          pages installed by moving a from-space page that was reused (MOVE): no page
 *                          allocated, no page freed
 * @param allocated         pages installed with UFFDIO_COPY (the kernel allocated a page)
 * @param keptMoved         pages that kept their contents and were moved without being read
 * @param keptCopied        pages that kept their contents but were copied (COPY, CONTINUE, or MOVE fallback)
 * @param moveBusyFallbacks UFFDIO_MOVE answered EBUSY (source page not exclusive): copied instead
 * @param retries           EAGAIN answers retried (partial progress or transient contention)
 * @param lostRaces         pages another thread installed first (EEXIST); the loser's work was discarded
 * @param continueRefaults  CONTINUE: faults on a page another thread was writing; the user faulted again
 */
public record PageCounts(long byCompactors, long onFault, long byUsers, long freshOnFault, long staleFaults, long recycled,
                         long allocated, long keptMoved, long keptCopied, long moveBusyFallbacks, long retries,
                         long lostRaces, long continueRefaults) {

    /** Pages that needed no new page from the kernel: recycled plus moved whole. */
    public long allocationsAvoided() {
        return recycled + keptMoved;
    }
}
