package io.uffd4j.selftest;

import io.uffd4j.EventBatch;
import io.uffd4j.Feature;
import io.uffd4j.Progress;
import io.uffd4j.RegisterMode;
import io.uffd4j.Userfaultfd;
import io.uffd4j.error.Errno;
import io.uffd4j.error.TryAgainException;
import io.uffd4j.event.RemoveEvent;
import io.uffd4j.ipc.Poller;
import io.uffd4j.mm.Advice;
import io.uffd4j.mm.Mapping;
import io.uffd4j.mm.PageSizes;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.EnumSet;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * While a non-cooperative event is queued and unread the address space is "changing": resolving ioctls
 * fail with EAGAIN having done nothing, so a handler cannot act on a stale view. Once the event is
 * read (and the thread that caused it has gone on), the same COPY succeeds.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class MmapChangingTest {
    static final long PAGE = PageSizes.base();

    @Test
    void copyFailsWithEagainWhileAnEventIsUnread() throws Exception {
        try (Mapping m = Mapping.anonymous(8 * PAGE);
             Accessor.Group access = new Accessor.Group();
             Userfaultfd uffd = Userfaultfd.builder().features(Feature.EVENT_REMOVE).build();
             Arena arena = Arena.ofConfined();
             EventBatch batch = new EventBatch(4)) {
            uffd.register(m.address(), m.size(), EnumSet.of(RegisterMode.MISSING));
            uffd.zeroPage(m.address(), 2 * PAGE).orThrow();
            MemorySegment src = arena.allocate(PAGE, PAGE);
            src.set(JAVA_LONG, 0, 0xFEEDL);

            Accessor<Void> remover = access.run("dontneed", () -> m.advise(0, 2 * PAGE, Advice.DONTNEED));
            try (Poller poller = new Poller(uffd.fd())) {
                assertEquals(1, poller.poll(10_000), "the REMOVE event is queued");
            }
            assertFalse(remover.isDone(), "madvise waits until its event is read");

            long target = m.address() + 6 * PAGE;
            Progress p = uffd.copy(target, src);
            assertEquals(Errno.EAGAIN, p.error());
            assertEquals(0, p.bytesDone());
            assertFalse(p.partial(), "nothing was done: not a partial copy");
            TryAgainException e = assertThrows(TryAgainException.class, p::orThrow);
            assertEquals("UFFDIO_COPY", e.operation());
            assertEquals(Errno.EAGAIN, uffd.zeroPage(target, PAGE).error());
            assertFalse(Probe.present(target), "the refused calls mapped nothing");

            assertEquals(1, uffd.read(batch));
            assertEquals(new RemoveEvent(m.address(), m.address() + 2 * PAGE), batch.event(0));
            remover.await(Duration.ofSeconds(10));

            Progress ok = uffd.copy(target, src);
            assertTrue(ok.complete(), ok.toString());
            assertEquals(PAGE, ok.bytesDone());
            assertEquals(0xFEEDL, NativeAccess.readLong(target));
        }
    }
}
