package io.uffd4j;

import io.uffd4j.error.ClosedException;
import io.uffd4j.error.Errno;
import io.uffd4j.error.InvalidRequestException;
import io.uffd4j.error.PermissionDeniedException;
import io.uffd4j.error.RangeArgumentException;
import io.uffd4j.error.UffdException;
import io.uffd4j.event.ForkEvent;
import io.uffd4j.internal.NativeFd;
import io.uffd4j.internal.ffm.Abi;
import io.uffd4j.internal.ffm.Libc;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A userfaultfd: the descriptor through which a process learns about faults in its registered ranges
 * and resolves them.
 *
 * <pre>{@code
 * try (Userfaultfd uffd = Userfaultfd.builder().features(Feature.MOVE).build()) {
 *     Registration r = uffd.register(mapping.address(), mapping.size(), Set.of(RegisterMode.MISSING));
 *     ...
 * }
 * }</pre>
 *
 * <p>All methods are thread-safe. The resolving verbs ({@link #copy}, {@link #zeroPage}, {@link #move},
 * {@link #continueRange}, {@link #poison}, {@link #writeProtect}, {@link #unprotect}, {@link #wake}) share
 * one contract: the kernel's answer, success, partial progress or refusal, comes back as a {@link Progress}
 * (never thrown; {@link Progress#orThrow()} turns a failure into its exception); arguments that can never
 * succeed (a misaligned or empty range, contradictory modes, a heap source) throw
 * {@link IllegalArgumentException} ({@link io.uffd4j.error.RangeArgumentException}) before the system call;
 * a closed descriptor throws {@link ClosedException}. Fault loops use a {@link Resolver} instead, which
 * allocates nothing.
 * Closing while another thread uses the descriptor is safe: the descriptor is released when the last
 * call returns, and later calls throw {@link ClosedException}.
 *
 * <p>Faults must be resolved by a thread that cannot be stopped by a safepoint of the faulting JVM,
 * or taken in native state: see {@code io.uffd4j.serve.FaultServer} and docs/safepoints.md.
 */
public final class Userfaultfd implements AutoCloseable {
    private final NativeFd fd;
    private final CreationMethod method;
    private final boolean userModeOnly;
    private final boolean nonBlocking;
    private final long pageSize;
    private final ThreadLocal<Resolver> resolvers;
    private volatile Set<Feature> features;
    private volatile Set<Ioctl> ioctls;

    private Userfaultfd(int fd, CreationMethod method, boolean userModeOnly, boolean nonBlocking,
                        Set<Feature> features, Set<Ioctl> ioctls) {
        this.fd = new NativeFd(fd, "userfaultfd");
        this.method = method;
        this.userModeOnly = userModeOnly;
        this.nonBlocking = nonBlocking;
        this.pageSize = Libc.getpagesize();
        this.features = features;
        this.ioctls = ioctls;
        this.resolvers = ThreadLocal.withInitial(this::newResolver);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A non-blocking, close-on-exec userfaultfd with no optional features. */
    public static Userfaultfd open() {
        return builder().build();
    }

    /**
     * Takes ownership of a userfaultfd that arrived from elsewhere (a FORK event, or another process
     * over a Unix socket). UFFDIO_API has already been called on it; {@code features} are the ones
     * its creator enabled.
     */
    public static Userfaultfd adopt(int descriptor, Set<Feature> features) {
        int flags = Libc.fcntl(descriptor, Abi.F_GETFL, 0);
        if (flags < 0) {
            throw UffdException.of("fcntl(F_GETFL)", -flags, "adopting descriptor " + descriptor);
        }
        return new Userfaultfd(descriptor, CreationMethod.AUTO, false, (flags & Abi.O_NONBLOCK) != 0,
                features.isEmpty() ? EnumSet.noneOf(Feature.class) : EnumSet.copyOf(features),
                EnumSet.of(Ioctl.API, Ioctl.REGISTER, Ioctl.UNREGISTER));
    }

    /**
     * Takes ownership of the descriptor a {@link ForkEvent} of this userfaultfd carries: the child's
     * userfaultfd, with this one's features.
     */
    public Userfaultfd adoptFork(ForkEvent fork) {
        return adopt(fork.child().release(), features);
    }

    /** Options for a new userfaultfd. */
    public static final class Builder {
        private CreationMethod method = CreationMethod.AUTO;
        private boolean userModeOnly;
        private boolean closeOnExec = true;
        private boolean nonBlocking = true;
        private final EnumSet<Feature> features = EnumSet.noneOf(Feature.class);

        private Builder() {}

        /** System call, device, or either (default). */
        public Builder via(CreationMethod method) {
            this.method = Objects.requireNonNull(method);
            return this;
        }

        /**
         * Handle only faults taken in user mode (UFFD_USER_MODE_ONLY). This is what an unprivileged
         * process may create by system call; faults from inside the kernel (a read(2) into the
         * range, process_vm_readv) then fail with EFAULT instead of waiting for a handler.
         */
        public Builder userModeOnly(boolean on) {
            this.userModeOnly = on;
            return this;
        }

        public Builder closeOnExec(boolean on) {
            this.closeOnExec = on;
            return this;
        }

        /** Non-blocking reads (default; required by {@code FaultServer}, whose poll needs it). */
        public Builder nonBlocking(boolean on) {
            this.nonBlocking = on;
            return this;
        }

        /** Features to enable; each must be supported or {@link #build()} names what is missing. */
        public Builder features(Feature... wanted) {
            features.addAll(Set.of(wanted));
            return this;
        }

        public Builder features(Set<Feature> wanted) {
            features.addAll(wanted);
            return this;
        }

        /** Creates the descriptor and negotiates the API. */
        public Userfaultfd build() {
            if (!features.isEmpty()) {
                KernelSupport.probe().require(features);
            }
            Userfaultfd uffd = buildWithoutHandshake();
            try {
                uffd.handshake(features);
            } catch (RuntimeException e) {
                uffd.close();
                throw e;
            }
            return uffd;
        }

        /**
         * Creates the descriptor without calling UFFDIO_API. Until {@link Userfaultfd#handshake} is
         * called, only {@code handshake} and {@code close} are allowed.
         */
        public Userfaultfd buildWithoutHandshake() {
            int flags = (userModeOnly ? Abi.UFFD_USER_MODE_ONLY : 0)
                    | (closeOnExec ? Abi.O_CLOEXEC : 0)
                    | (nonBlocking ? Abi.O_NONBLOCK : 0);
            UffdOpener.Opened opened = UffdOpener.open(method, flags);
            return new Userfaultfd(opened.fd(), opened.method(), userModeOnly, nonBlocking, null, null);
        }
    }

    /**
     * UFFDIO_API: enables {@code wanted}. Allowed once per descriptor (the kernel refuses a second call
     * with EINVAL, reported as {@link InvalidRequestException}).
     */
    public void handshake(Set<Feature> wanted) {
        int number = fd.acquire("UFFDIO_API");
        try {
            ApiHandshake.Result r = ApiHandshake.call(number, Abi.UFFD_API, Feature.toBits(wanted));
            if (r.errno() != 0) {
                Errno e = Errno.of(r.errno());
                String meaning = Ioctl.API.meaning(e);
                if (e == Errno.EINVAL && features != null) {
                    meaning = "UFFDIO_API was already called on this descriptor";
                } else if (e == Errno.EPERM && wanted.contains(Feature.EVENT_FORK)) {
                    throw new PermissionDeniedException("UFFDIO_API", e, 0, 0,
                            "UFFDIO_API failed: EPERM (UFFD_FEATURE_EVENT_FORK needs CAP_SYS_PTRACE)");
                }
                throw UffdException.of("UFFDIO_API", e, r.errno(), 0, 0, 0, meaning);
            }
            this.features = wanted.isEmpty() ? EnumSet.noneOf(Feature.class) : EnumSet.copyOf(wanted);
            this.ioctls = Ioctl.fromBits(r.ioctls());
        } finally {
            fd.release();
        }
    }

    /** The features enabled on this descriptor. */
    public Set<Feature> features() {
        return Set.copyOf(requireReady("features"));
    }

    public boolean has(Feature feature) {
        return requireReady("features").contains(feature);
    }

    /** The ioctls UFFDIO_API reported for this descriptor. */
    public Set<Ioctl> ioctls() {
        requireReady("ioctls");
        return Set.copyOf(ioctls);
    }

    public CreationMethod creationMethod() {
        return method;
    }

    public boolean userModeOnly() {
        return userModeOnly;
    }

    public boolean nonBlocking() {
        return nonBlocking;
    }

    /** The base page size; registered ranges and resolutions are multiples of it. */
    public long pageSize() {
        return pageSize;
    }

    private Set<Feature> requireReady(String op) {
        Set<Feature> f = features;
        if (f == null) {
            throw new InvalidRequestException(op, 0, 0, op + ": UFFDIO_API has not been called on this descriptor yet");
        }
        return f;
    }

    // ---- registration ----------------------------------------------------------------------------

    public Registration register(MemorySegment range, Set<RegisterMode> modes) {
        return register(range.address(), range.byteSize(), modes);
    }

    public Registration register(MemorySegment range, RegisterMode first, RegisterMode... more) {
        return register(range.address(), range.byteSize(), EnumSet.of(first, more));
    }

    /** UFFDIO_REGISTER: reports faults of the given kinds in the range; returns the range's ioctl set. */
    public Registration register(long start, long length, Set<RegisterMode> modes) {
        requireReady("UFFDIO_REGISTER");
        if (modes.isEmpty()) {
            throw new IllegalArgumentException("UFFDIO_REGISTER refused for start 0x" + Long.toHexString(start)
                    + ", length " + length + ": no mode given (accepted: at least one of MISSING, WP, MINOR)");
        }
        checkRange(Ioctl.REGISTER, start, length);
        int number = fd.acquire("UFFDIO_REGISTER");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(Abi.REGISTER_SIZE, 8);
            s.set(JAVA_LONG, 0, start);
            s.set(JAVA_LONG, 8, length);
            s.set(JAVA_LONG, 16, RegisterMode.toBits(modes));
            int r = Libc.ioctl(number, Abi.UFFDIO_REGISTER, s.address());
            if (r < 0) {
                throw rangeFailure(Ioctl.REGISTER, -r, start, length, registerMeaning(-r, modes));
            }
            return new Registration(start, length, modes, Ioctl.fromBits(s.get(JAVA_LONG, Abi.REGISTER_IOCTLS)));
        } finally {
            fd.release();
        }
    }

    private static String registerMeaning(int errno, Set<RegisterMode> modes) {
        Errno e = Errno.of(errno);
        if (e == Errno.EINVAL && modes.contains(RegisterMode.MINOR)) {
            return "MINOR needs a shmem, memfd or hugetlbfs mapping (not anonymous memory), or the range is invalid";
        }
        if (e == Errno.EINVAL) {
            return "the range must lie inside mappings that support userfaultfd and the requested modes (anonymous, shmem, hugetlbfs)";
        }
        if (e == Errno.ENOMEM) {
            return "no mapping covers the range";
        }
        return Ioctl.REGISTER.meaning(e);
    }

    public void unregister(MemorySegment range) {
        unregister(range.address(), range.byteSize());
    }

    /** UFFDIO_UNREGISTER: stops reporting faults in the range and wakes threads waiting in it. */
    public void unregister(long start, long length) {
        requireReady("UFFDIO_UNREGISTER");
        checkRange(Ioctl.UNREGISTER, start, length);
        int number = fd.acquire("UFFDIO_UNREGISTER");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(Abi.RANGE_SIZE, 8);
            s.set(JAVA_LONG, 0, start);
            s.set(JAVA_LONG, 8, length);
            int r = Libc.ioctl(number, Abi.UFFDIO_UNREGISTER, s.address());
            if (r < 0) {
                throw rangeFailure(Ioctl.UNREGISTER, -r, start, length,
                        Errno.of(-r) == Errno.ENOMEM ? "no mapping covers the range" : Ioctl.UNREGISTER.meaning(Errno.of(-r)));
            }
        } finally {
            fd.release();
        }
    }

    private void checkRange(Ioctl op, long start, long length) {
        if (!Resolver.validRange(start, length, pageSize - 1)) {
            throw Resolver.misaligned(op, start, length, pageSize);
        }
    }

    private static UffdException rangeFailure(Ioctl op, int errno, long start, long length, String meaning) {
        return UffdException.of(op.kernelName(), Errno.of(errno), errno, start, length, 0, meaning);
    }

    // ---- resolving (convenience; see Resolver for the allocation-free form) ----------------------

    /** A new resolver for a thread that resolves many faults. */
    public Resolver newResolver() {
        return new Resolver(this, fd, pageSize);
    }

    /** This thread's resolver for this descriptor (created on first use). */
    public Resolver resolver() {
        return resolvers.get();
    }

    /** UFFDIO_COPY of {@code source} (native memory of this process) to {@code destination}. */
    public Progress copy(long destination, MemorySegment source, Modes<CopyMode> modes) {
        requireNative(Ioctl.COPY, destination, source);
        Resolver r = resolver();
        r.copy(destination, source.address(), source.byteSize(), modes);
        return r.progress();
    }

    public Progress copy(long destination, MemorySegment source) {
        return copy(destination, source, Modes.none());
    }

    public Progress zeroPage(long destination, long length, Modes<ZeroPageMode> modes) {
        Resolver r = resolver();
        r.zeroPage(destination, length, modes);
        return r.progress();
    }

    public Progress zeroPage(long destination, long length) {
        return zeroPage(destination, length, Modes.none());
    }

    public Progress move(long destination, long source, long length, Modes<MoveMode> modes) {
        Resolver r = resolver();
        r.move(destination, source, length, modes);
        return r.progress();
    }

    public Progress continueRange(long start, long length, Modes<ContinueMode> modes) {
        Resolver r = resolver();
        r.continueRange(start, length, modes);
        return r.progress();
    }

    public Progress poison(long start, long length, Modes<PoisonMode> modes) {
        Resolver r = resolver();
        r.poison(start, length, modes);
        return r.progress();
    }

    /** Write-protects the range. */
    public Progress writeProtect(long start, long length) {
        return writeProtect(start, length, Modes.of(WriteProtectMode.WP));
    }

    /** Removes write protection and wakes threads waiting on it. */
    public Progress unprotect(long start, long length) {
        return writeProtect(start, length, Modes.none());
    }

    /** UFFDIO_WRITEPROTECT with explicit modes. */
    public Progress writeProtect(long start, long length, Modes<WriteProtectMode> modes) {
        Resolver r = resolver();
        r.writeProtect(start, length, modes);
        return r.progress();
    }

    /** Wakes threads waiting on faults in the range (after DONTWAKE resolutions). */
    public Progress wake(long start, long length) {
        Resolver r = resolver();
        r.wake(start, length);
        return r.progress();
    }

    private static void requireNative(Ioctl op, long destination, MemorySegment source) {
        if (!source.isNative()) {
            throw new RangeArgumentException(op.kernelName(), destination, source.byteSize(),
                    op.kernelName() + " refused for destination 0x" + Long.toHexString(destination)
                    + ": the source must be native memory (a heap segment has no stable address)");
        }
    }

    // ---- events ----------------------------------------------------------------------------------

    /**
     * Reads as many pending messages as fit into {@code batch}. Returns the number read; 0 if none is
     * pending on a non-blocking descriptor. A blocking descriptor waits for at least one.
     */
    public int read(EventBatch batch) {
        Set<Feature> enabled = requireReady("read");
        int number = fd.acquire("read");
        try {
            return batch.fill(number, enabled, pageSize());
        } finally {
            fd.release();
        }
    }

    // ---- lifecycle -------------------------------------------------------------------------------

    /**
     * The kernel's descriptor number, for passing it to another process or to poll(2). It stays
     * valid until {@link #close()}.
     */
    public int fd() {
        if (!fd.isOpen()) {
            throw new ClosedException("fd", "the userfaultfd is closed");
        }
        return fd.number();
    }

    NativeFd handle() {
        return fd;
    }

    public boolean isOpen() {
        return fd.isOpen();
    }

    /**
     * Closes the descriptor. Registered ranges become ordinary memory again and threads waiting on
     * faults are woken (they then see whatever the range holds: zero pages for anonymous memory).
     */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "Userfaultfd[" + fd + ", " + method + (userModeOnly ? ", user-mode-only" : "")
                + ", features=" + features + "]";
    }
}
