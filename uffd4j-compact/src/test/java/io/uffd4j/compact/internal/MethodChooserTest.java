package io.uffd4j.compact.internal;

import io.uffd4j.compact.internal.MethodChooser.Case;
import org.junit.jupiter.api.Test;

import static io.uffd4j.compact.internal.MethodChooser.Method.COPY;
import static io.uffd4j.compact.internal.MethodChooser.EXPLORE_EVERY;
import static io.uffd4j.compact.internal.MethodChooser.Method.MOVE;
import static io.uffd4j.compact.internal.MethodChooser.WARMUP;
import static io.uffd4j.compact.internal.MethodChooser.WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** ADAPTIVE's choice between COPY and MOVE, from recorded costs only (no clock, no kernel). */
class MethodChooserTest {

    private static void record(MethodChooser m, Case c, MethodChooser.Method method, long nanosPerPage, int times) {
        for (int i = 0; i < times; i++) {
            m.record(c, method, nanosPerPage * 8, 8);
        }
    }

    /** How many of {@code decisions} choices of {@code c} went to {@code method}. */
    private static int count(MethodChooser m, Case c, MethodChooser.Method method, int decisions) {
        int n = 0;
        for (int i = 0; i < decisions; i++) {
            if (m.choose(c) == method) {
                n++;
            }
        }
        return n;
    }

    @Test
    void withoutDataItChoosesCopyAndEstimatesNothing() {
        MethodChooser m = new MethodChooser();
        for (Case c : Case.values()) {
            assertEquals(COPY, m.choose(c), c.name());
            assertEquals(0, m.estimate(c, COPY), 0);
            assertEquals(0, m.estimate(c, MOVE), 0);
        }
        assertEquals(0, m.releasePenalty(), 0);
        MethodChooser fromEmpty = new MethodChooser(new MethodChooser());
        assertEquals(COPY, fromEmpty.choose(Case.BUILT));
    }

    @Test
    void warmUpMeasuresTheLessMeasuredMethod() {
        MethodChooser m = new MethodChooser();
        record(m, Case.BUILT, COPY, 100, WARMUP);
        assertEquals(MOVE, m.choose(Case.BUILT), "MOVE has no measurement yet");
        record(m, Case.BUILT, MOVE, 10_000, WARMUP - 1);
        assertEquals(MOVE, m.choose(Case.BUILT), "MOVE still has fewer measurements than the warm-up");
        record(m, Case.BUILT, MOVE, 10_000, 1);
        assertEquals(COPY, m.choose(Case.BUILT), "both warmed up: the cheaper");
        assertEquals(COPY, m.choose(Case.KEPT), "another case learned nothing");
    }

    @Test
    void picksTheCheaperAndExploresTheOtherNowAndThen() {
        MethodChooser m = new MethodChooser();
        record(m, Case.KEPT, COPY, 1000, WINDOW);
        record(m, Case.KEPT, MOVE, 200, WINDOW);
        int decisions = 4 * EXPLORE_EVERY;
        assertEquals(decisions - 4, count(m, Case.KEPT, MOVE, decisions), "MOVE, except one exploration in " + EXPLORE_EVERY);
        assertEquals(decisions - 4, m.timesChosen(Case.KEPT, MOVE));
        assertEquals(4, m.timesChosen(Case.KEPT, COPY));
        assertEquals(1000, m.estimate(Case.KEPT, COPY), 0);
        assertEquals(200, m.estimate(Case.KEPT, MOVE), 0);
    }

    @Test
    void adaptsWhenCostsChange() {
        MethodChooser m = new MethodChooser();
        record(m, Case.FAULT_BUILT, COPY, 1000, WINDOW);
        record(m, Case.FAULT_BUILT, MOVE, 200, WINDOW);
        assertEquals(MOVE, m.choose(Case.FAULT_BUILT));
        // MOVE becomes slow: once most of the window says so, the choice flips.
        record(m, Case.FAULT_BUILT, MOVE, 5000, WINDOW / 2 + 1);
        assertEquals(5000, m.estimate(Case.FAULT_BUILT, MOVE), 0);
        assertEquals(EXPLORE_EVERY - 1, count(m, Case.FAULT_BUILT, COPY, EXPLORE_EVERY), "COPY now, but for one exploration");
        // and back
        record(m, Case.FAULT_BUILT, MOVE, 100, WINDOW);
        assertEquals(EXPLORE_EVERY - 1, count(m, Case.FAULT_BUILT, MOVE, EXPLORE_EVERY));
    }

    @Test
    void oneOutlierDoesNotFlipTheChoice() {
        MethodChooser m = new MethodChooser();
        record(m, Case.BUILT, COPY, 1000, WINDOW);
        record(m, Case.BUILT, MOVE, 200, WINDOW);
        record(m, Case.BUILT, MOVE, 1_000_000, 1); // a preemption in one measurement
        assertEquals(200, m.estimate(Case.BUILT, MOVE), 0, "the median ignores it");
        assertEquals(MOVE, m.choose(Case.BUILT));
    }

    @Test
    void copyIsChargedForThePageItLeavesBehind() {
        MethodChooser m = new MethodChooser();
        record(m, Case.KEPT, COPY, 100, WINDOW);
        record(m, Case.KEPT, MOVE, 150, WINDOW);
        assertEquals(COPY, m.choose(Case.KEPT), "COPY cheaper without the release cost");
        m.releasePenalty(100);
        assertEquals(MOVE, m.choose(Case.KEPT), "MOVE cheaper once COPY pays for freeing its from-space page");
    }

    @Test
    void aNewCycleStartsFromWhatTheModelLearned() {
        MethodChooser worker = new MethodChooser();
        record(worker, Case.FRESH, COPY, 1000, WINDOW);
        record(worker, Case.FRESH, MOVE, 300, WINDOW);
        MethodChooser model = new MethodChooser();
        model.merge(worker);
        model.releasePenalty(50);
        MethodChooser next = new MethodChooser(model);
        assertEquals(1000, next.estimate(Case.FRESH, COPY), 0);
        assertEquals(300, next.estimate(Case.FRESH, MOVE), 0);
        assertEquals(50, next.releasePenalty(), 0);
        assertEquals(MOVE, next.choose(Case.FRESH), "no warm-up again: the model's measurements count");
    }

    @Test
    void aMeasurementOfNoPagesCountsAsOne() {
        MethodChooser m = new MethodChooser();
        m.record(Case.BUILT, COPY, 700, 0);
        assertEquals(700, m.estimate(Case.BUILT, COPY), 0);
    }
}
