package io.uffd4j.compact.internal;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessGateTest {
    @Test
    void pauseSeesNobodyInside() throws Exception {
        AccessGate gate = new AccessGate("test");
        AtomicInteger inside = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong violations = new AtomicLong();
        AtomicLong entries = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    int token = gate.enter();
                    try {
                        inside.incrementAndGet();
                        Thread.onSpinWait();
                        inside.decrementAndGet();
                        entries.incrementAndGet();
                    } finally {
                        gate.exit(token);
                    }
                }
            }));
        }
        long pauses = 0;
        long end = System.nanoTime() + 2_000_000_000L;
        while (System.nanoTime() < end) {
            gate.pause();
            if (inside.get() != 0) {
                violations.incrementAndGet();
            }
            pauses++;
            gate.resume();
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("pauses " + pauses + " entries " + entries);
        assertEquals(0, violations.get());
        assertTrue(pauses > 10);
    }
}
