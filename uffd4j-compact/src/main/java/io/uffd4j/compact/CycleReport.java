package io.uffd4j.compact;

import java.util.List;
import java.util.Objects;

/**
 * One compaction cycle, measured, in sections: the start pause, the work after it, the layout before and
 * after, how the pages were produced, and ADAPTIVE's choices. Times are nanoseconds.
 *
 * @param cycle     the store's cycle number, from 1
 * @param strategy  how pages were produced
 * @param completed false if the store was closed before the cycle finished
 * @param pause     the start pause (the only pause of a cycle) and the draft before it
 * @param timing    the work after the start pause
 * @param layout    the records and pages before and after
 * @param pages     how the pages were produced
 * @param adaptive  ADAPTIVE's measurements and choices (empty for other strategies)
 * @param errors    failures the cycle recovered from (retried), empty when none
 */
public record CycleReport(int cycle, Strategy strategy, boolean completed, Pause pause, Timing timing, Layout layout,
                          PageCounts pages, List<AdaptiveCase> adaptive, List<String> errors) {
    public CycleReport {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(pause, "pause");
        Objects.requireNonNull(timing, "timing");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(pages, "pages");
        adaptive = List.copyOf(adaptive);
        errors = List.copyOf(errors);
    }

    /**
     * The start pause, in nanoseconds.
     *
     * @param draftNanos  before the pause, users running: planning the records that existed then
     * @param drainNanos  time until the operations in progress had left
     * @param planNanos   planning the records put since the draft
     * @param flipNanos   moving the region's pages to the from-space
     * @param serveNanos  registering the region and starting the fault server
     * @param commitNanos giving every live record its new offset
     * @param totalNanos  total time users were held
     */
    public record Pause(long draftNanos, long drainNanos, long planNanos, long flipNanos, long serveNanos, long commitNanos,
                        long totalNanos) {}

    /**
     * The work after the start pause, in nanoseconds.
     *
     * @param compactionNanos end of the start pause until every to-space page was installed (the compaction
     *                        threads' completion time)
     * @param compactorNanos  time the compaction threads spent producing pages, summed over threads
     * @param assembleNanos   of which assembling built pages (reading records, writing the page)
     * @param installNanos    of which in the installing ioctls (COPY, MOVE, CONTINUE)
     * @param finishNanos     stopping the fault server and unregistering the region once every page is in
     *                        (users are not held: the only faults left are on fresh pages, which the
     *                        unregistration wakes and the kernel then fills)
     * @param releaseNanos    freeing the from-space
     * @param totalNanos      start of the start pause until the from-space was freed
     */
    public record Timing(long compactionNanos, long compactorNanos, long assembleNanos, long installNanos, long finishNanos,
                         long releaseNanos, long totalNanos) {}

    /**
     * The records and pages before and after compaction.
     *
     * @param records            live records when the cycle started
     * @param liveBytes          their bytes
     * @param oldTop             end of the records before compaction
     * @param newTop             end after compaction
     * @param toPages            pages of compacted data
     * @param keptPages          of which kept their contents (moved whole)
     * @param runs               runs of consecutive kept pages
     * @param fromSpaceBytesRead bytes compaction read from the from-space to assemble pages
     */
    public record Layout(int records, long liveBytes, long oldTop, long newTop, int toPages, int keptPages, int runs,
                         long fromSpaceBytesRead) {
        /** Bytes of address space (and, once released, of memory) compaction gave back. */
        public long reclaimedBytes() {
            return oldTop - newTop;
        }

        /** Pages assembled from record pieces. */
        public int builtPages() {
            return toPages - keptPages;
        }
    }
}
