package io.uffd4j.selftest;

import io.uffd4j.EventBatch;
import io.uffd4j.Userfaultfd;
import io.uffd4j.event.ForkEvent;
import io.uffd4j.event.UffdEvent;
import io.uffd4j.ipc.EventFd;
import io.uffd4j.ipc.Poller;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A thread that reads every message of a userfaultfd and queues it decoded. Non-cooperative events
 * (fork, remap, remove, unmap) block the thread that caused them until they are read, so a test that
 * triggers one needs a reader running before it.
 */
public final class EventPump implements AutoCloseable {
    private final Userfaultfd uffd;
    private final LinkedBlockingQueue<UffdEvent> events = new LinkedBlockingQueue<>();
    private final EventFd stop = EventFd.create();
    private final Thread thread;
    private volatile Throwable failure;
    private volatile boolean running = true;

    public EventPump(Userfaultfd uffd) {
        this.uffd = uffd;
        this.thread = Thread.ofPlatform().daemon().name("selftest-event-pump").start(this::loop);
    }

    private void loop() {
        try (EventBatch batch = new EventBatch(16); Poller poller = new Poller(uffd.fd(), stop.fd())) {
            while (running) {
                int n = uffd.read(batch);
                for (int i = 0; i < n; i++) {
                    events.add(batch.event(i));
                }
                if (n == 0) {
                    poller.poll(-1);
                }
            }
        } catch (Throwable t) {
            if (running) {
                failure = t;
            }
        }
    }

    /** The next message; fails the test if none arrives within {@code timeout}. */
    public UffdEvent next(Duration timeout) {
        try {
            UffdEvent e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) {
                return fail("no userfaultfd message within " + timeout + (failure != null ? "; reader failed: " + failure : ""));
            }
            return e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    /** Fails if a message is queued now (call it once whatever could have caused one has finished). */
    public void assertNoneQueued() {
        assertNull(events.peek(), "unexpected userfaultfd message");
        assertNull(failure, "reader failed");
    }

    @Override
    public void close() {
        running = false;
        stop.signal(1);
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stop.close();
        for (UffdEvent e : events) {
            if (e instanceof ForkEvent f) {
                f.child().close();
            }
        }
    }
}
