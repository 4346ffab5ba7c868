package io.uffd4j.serve;

import io.uffd4j.event.FaultKind;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters and service-time distribution of one or more fault loops (a fault server's threads
 * share one). Recording allocates nothing: LongAdders and an HdrHistogram Recorder of fixed range.
 */
public final class FaultStats {
    /** Longest service time tracked; longer ones are recorded as this. */
    static final long MAX_TRACKED_NANOS = 600_000_000_000L;

    final LongAdder missing = new LongAdder();
    final LongAdder writeProtect = new LongAdder();
    final LongAdder minor = new LongAdder();
    final LongAdder events = new LongAdder();
    final LongAdder removes = new LongAdder();
    final LongAdder races = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder failures = new LongAdder();
    final LongAdder gaveUp = new LongAdder();
    final LongAdder poisoned = new LongAdder();
    private final Recorder serviceTime;
    private final Histogram serviceTotal;

    /** Service times to 3 significant digits (about 250 KiB). */
    public FaultStats() {
        this(3);
    }

    /**
     * @param significantDigits of the service-time histogram, 1 to 3 (1 needs about 5 KiB: for the many
     *                          short-lived loops of forked children)
     */
    public FaultStats(int significantDigits) {
        if (significantDigits < 1 || significantDigits > 3) {
            throw new IllegalArgumentException("significantDigits " + significantDigits + " is out of range (accepted: 1 to 3)");
        }
        this.serviceTime = new Recorder(1, MAX_TRACKED_NANOS, significantDigits);
        this.serviceTotal = new Histogram(1, MAX_TRACKED_NANOS, significantDigits);
    }

    void countFault(FaultKind kind) {
        switch (kind) {
            case MISSING -> missing.increment();
            case WRITE_PROTECT -> writeProtect.increment();
            case MINOR -> minor.increment();
        }
    }

    void recordServiceTime(long nanos) {
        serviceTime.recordValue(Math.min(MAX_TRACKED_NANOS, Math.max(1, nanos)));
    }

    /** The counters and service-time percentiles so far. */
    public synchronized ServerStats snapshot() {
        serviceTotal.add(serviceTime.getIntervalHistogram());
        return new ServerStats(missing.sum(), writeProtect.sum(), minor.sum(), events.sum(), removes.sum(), races.sum(),
                retries.sum(), failures.sum(), gaveUp.sum(), poisoned.sum(), LatencySummary.of(serviceTotal));
    }
}
