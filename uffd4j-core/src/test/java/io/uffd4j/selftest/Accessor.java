package io.uffd4j.selftest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * An access to registered memory running on its own platform thread, so the test thread can serve the
 * fault it takes (the accessing thread blocks in the kernel until then). The access itself must be a
 * native-state one ({@link NativeAccess}, guarded memory, a syscall). Start them through a {@link Group}
 * declared before the userfaultfd in try-with-resources and after the mapping: if the test fails while an
 * access is blocked, closing the userfaultfd releases it, and the group waits for it before the mapping is
 * unmapped under it.
 *
 * @param <T> what the access returns
 */
public final class Accessor<T> {
    private final CompletableFuture<T> result = new CompletableFuture<>();
    private final Thread thread;

    private Accessor(String name, Supplier<T> access) {
        thread = Thread.ofPlatform().daemon().name("selftest-access-" + name).start(() -> {
            try {
                result.complete(access.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
    }

    public static <T> Accessor<T> start(String name, Supplier<T> access) {
        return new Accessor<>(name, access);
    }

    public static Accessor<Void> run(String name, Runnable access) {
        return new Accessor<>(name, () -> {
            access.run();
            return null;
        });
    }

    public boolean isDone() {
        return result.isDone();
    }

    /** The access's result; fails the test if it does not finish within {@code timeout} or threw. */
    public T await(Duration timeout) {
        try {
            return result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return fail("access " + thread.getName() + " still blocked after " + timeout);
        } catch (ExecutionException e) {
            return fail("access " + thread.getName() + " failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    /** The exception the access threw (fails the test if it returned normally or did not finish). */
    public Throwable awaitFailure(Duration timeout) {
        try {
            T v = result.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return fail("access " + thread.getName() + " returned " + v + " instead of failing");
        } catch (TimeoutException e) {
            return fail("access " + thread.getName() + " still blocked after " + timeout);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    /** Accessors that are all waited for on close. */
    public static final class Group implements AutoCloseable {
        private final List<Accessor<?>> started = new ArrayList<>();

        public <T> Accessor<T> start(String name, Supplier<T> access) {
            Accessor<T> a = Accessor.start(name, access);
            started.add(a);
            return a;
        }

        public Accessor<Void> run(String name, Runnable access) {
            Accessor<Void> a = Accessor.run(name, access);
            started.add(a);
            return a;
        }

        @Override
        public void close() {
            for (Accessor<?> a : started) {
                a.join(Duration.ofSeconds(10));
            }
        }
    }

    /** Waits for the thread to end (after the userfaultfd was closed, a blocked access completes). */
    public void join(Duration timeout) {
        try {
            thread.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
