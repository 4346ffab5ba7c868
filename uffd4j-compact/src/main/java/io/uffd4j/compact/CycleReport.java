package io.uffd4j.compact;

import java.util.List;

/**
 * One compaction cycle, measured. Times are nanoseconds.
 *
 * @param cycle            the store's cycle number, from 1
 * @param strategy         how pages were produced
 * @param completed        false if the store was closed before the cycle finished
 * @param draftNanos       before the pause, users running: planning the records that existed then
 * @param drainNanos       start pause: time until the operations in progress had left
 * @param planNanos        start pause: planning the records put since the draft
 * @param flipNanos        start pause: moving the region's pages to the from-space
 * @param serveNanos       start pause: registering the region and starting the fault server
 * @param commitNanos      start pause: giving every live record its new offset
 * @param startPauseNanos  start pause: total time users were held (the only pause of a cycle)
 * @param finishNanos      stopping the fault server and unregistering the region once every page is
 *                         in (users are not held: the only faults left are on fresh pages, which the
 *                         unregistration wakes and the kernel then fills)
 * @param compactionNanos  end of the start pause until every to-space page was installed (the
 *                         compaction threads' completion time)
 * @param compactorNanos   time the compaction threads spent producing pages, summed over threads
 * @param assembleNanos    of which assembling built pages (reading records, writing the page)
 * @param installNanos     of which in the installing ioctls (COPY, MOVE, CONTINUE)
 * @param releaseNanos     freeing the from-space
 * @param totalNanos       start of the start pause until the from-space was freed
 * @param records          live records when the cycle started
 * @param liveBytes        their bytes
 * @param oldTop           end of the records before compaction
 * @param newTop           end after compaction
 * @param toPages          pages of compacted data
 * @param keptPages        of which kept their contents (moved whole)
 * @param runs             runs of consecutive kept pages
 * @param fromSpaceBytesRead bytes compaction read from the from-space to assemble pages
 * @param pages            how the pages were produced
 * @param adaptive         ADAPTIVE's measurements and choices (empty for other strategies)
 * @param errors           failures the cycle recovered from (retried), empty when none
 */
public record CycleReport(int cycle, Strategy strategy, boolean completed, long draftNanos, long drainNanos,
                          long planNanos,
                          long flipNanos, long serveNanos, long commitNanos, long startPauseNanos,
                          long finishNanos, long compactionNanos, long compactorNanos, long assembleNanos,
                          long installNanos, long releaseNanos,
                          long totalNanos, int records, long liveBytes, long oldTop, long newTop, int toPages,
                          int keptPages, int runs, long fromSpaceBytesRead, PageCounts pages,
                          List<AdaptiveCase> adaptive, List<String> errors) {

    /** Bytes of address space (and, once released, of memory) compaction gave back. */
    public long reclaimedBytes() {
        return oldTop - newTop;
    }

    /** Pages assembled from record pieces. */
    public int builtPages() {
        return toPages - keptPages;
    }
}
