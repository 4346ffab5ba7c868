package io.uffd4j.compact;

import io.uffd4j.mm.PageSizes;
import io.uffd4j.serve.WaitStrategy;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link CompactingStore} is laid out and compacted. Build with {@link #builder(long)}.
 *
 * @param regionSize          bytes of address space for records (a multiple of the page size)
 * @param maxRecords          capacity of the record table
 * @param maxRecordSize       largest record accepted
 * @param strategy            how compaction produces pages
 * @param compactionThreads   threads that produce pages ahead of the users
 * @param faultThreads        fault-server threads that produce pages users touch first
 * @param pageKeepThreshold   a page whose live bytes are at least this fraction of the page keeps its
 *                            contents and moves as a whole (0: every page holding live data, i.e.
 *                            coarse page-level compaction that never reads a record; 1: only full pages)
 * @param userModeOnly        open the userfaultfd with UFFD_USER_MODE_ONLY (works unprivileged; the
 *                            store only ever faults from user mode, in libc memcpy)
 * @param faultWait           how the fault-server threads wait for messages
 * @param pacePerPage         pause of a compaction thread after each page (0: none); limits the share
 *                            of CPU compaction takes from the users
 * @param userAssist          a user operation that needs a page the cycle has not produced yet produces it
 *                            itself before copying, instead of faulting and waiting for a fault-server
 *                            thread (the fault's round trip and wake-up dominate a user's latency during a
 *                            cycle); the fault server still serves whatever faults remain
 */
public record StoreConfig(long regionSize, int maxRecords, int maxRecordSize, Strategy strategy,
                          int compactionThreads, int faultThreads, double pageKeepThreshold,
                          boolean userModeOnly, WaitStrategy faultWait, Duration pacePerPage,
                          boolean userAssist) {

    public StoreConfig {
        long page = PageSizes.base();
        if (regionSize <= 0 || regionSize % page != 0) {
            throw new IllegalArgumentException("regionSize " + regionSize + " must be a positive multiple of the page size " + page);
        }
        if (regionSize / page > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("regionSize " + regionSize + " is too large (accepted: at most 2^30 pages of " + page + " bytes)");
        }
        if (maxRecords < 1) {
            throw new IllegalArgumentException("maxRecords must be positive, was " + maxRecords);
        }
        if (maxRecordSize < 1 || maxRecordSize > regionSize) {
            throw new IllegalArgumentException("maxRecordSize must be 1.." + regionSize + ", was " + maxRecordSize);
        }
        Objects.requireNonNull(strategy, "strategy");
        if (compactionThreads < 1 || compactionThreads > 64) {
            throw new IllegalArgumentException("compactionThreads must be 1..64, was " + compactionThreads);
        }
        if (faultThreads < 1 || faultThreads > 64) {
            throw new IllegalArgumentException("faultThreads must be 1..64, was " + faultThreads);
        }
        if (!(pageKeepThreshold >= 0 && pageKeepThreshold <= 1)) {
            throw new IllegalArgumentException("pageKeepThreshold must be in [0, 1], was " + pageKeepThreshold);
        }
        Objects.requireNonNull(faultWait, "faultWait");
        Objects.requireNonNull(pacePerPage, "pacePerPage");
        if (pacePerPage.isNegative()) {
            throw new IllegalArgumentException("pacePerPage " + pacePerPage + " is negative (accepted: 0 or more)");
        }
    }

    /** Defaults for a region of {@code regionSize} bytes. */
    public static Builder builder(long regionSize) {
        return new Builder(regionSize);
    }

    public Builder toBuilder() {
        return new Builder(regionSize).maxRecords(maxRecords).maxRecordSize(maxRecordSize).strategy(strategy)
                .compactionThreads(compactionThreads).faultThreads(faultThreads).pageKeepThreshold(pageKeepThreshold)
                .userModeOnly(userModeOnly).faultWait(faultWait).pacePerPage(pacePerPage).userAssist(userAssist);
    }

    /** Builder with defaults: ADAPTIVE, one compaction and one fault thread, full pages kept, user-mode-only, user assist on. */
    public static final class Builder {
        private final long regionSize;
        private int maxRecords;
        private int maxRecordSize;
        private Strategy strategy = Strategy.ADAPTIVE;
        private int compactionThreads = 1;
        private int faultThreads = 1;
        private double pageKeepThreshold = 1.0;
        private boolean userModeOnly = true;
        private WaitStrategy faultWait = WaitStrategy.block();
        private Duration pacePerPage = Duration.ZERO;
        private boolean userAssist = true;

        private Builder(long regionSize) {
            this.regionSize = regionSize;
            this.maxRecords = (int) Math.max(1024, Math.min(Integer.MAX_VALUE - 8, regionSize / 256)); // 20 bytes of heap per slot
            this.maxRecordSize = (int) Math.min(1 << 20, regionSize);
        }

        public Builder maxRecords(int n) {
            this.maxRecords = n;
            return this;
        }

        public Builder maxRecordSize(int n) {
            this.maxRecordSize = n;
            return this;
        }

        public Builder strategy(Strategy s) {
            this.strategy = s;
            return this;
        }

        public Builder compactionThreads(int n) {
            this.compactionThreads = n;
            return this;
        }

        public Builder faultThreads(int n) {
            this.faultThreads = n;
            return this;
        }

        public Builder pageKeepThreshold(double t) {
            this.pageKeepThreshold = t;
            return this;
        }

        /** Coarse page-level compaction: every page holding live data slides as a whole, unread. */
        public Builder pageLevel() {
            return pageKeepThreshold(0);
        }

        public Builder userModeOnly(boolean on) {
            this.userModeOnly = on;
            return this;
        }

        public Builder faultWait(WaitStrategy w) {
            this.faultWait = w;
            return this;
        }

        public Builder pacePerPage(Duration d) {
            this.pacePerPage = d;
            return this;
        }

        public Builder userAssist(boolean on) {
            this.userAssist = on;
            return this;
        }

        public StoreConfig build() {
            return new StoreConfig(regionSize, maxRecords, maxRecordSize, strategy, compactionThreads, faultThreads,
                    pageKeepThreshold, userModeOnly, faultWait, pacePerPage, userAssist);
        }
    }
}
