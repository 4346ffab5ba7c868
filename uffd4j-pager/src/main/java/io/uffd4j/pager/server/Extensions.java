package io.uffd4j.pager.server;

import io.uffd4j.Userfaultfd;
import io.uffd4j.pager.source.PageSource;
import io.uffd4j.pager.spi.ExtensionProtocol;
import io.uffd4j.pager.spi.RegionContext;
import io.uffd4j.pager.spi.RegionExtension;

import java.lang.foreign.MemorySegment;
import java.lang.reflect.InvocationTargetException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@link RegionExtension}s of one served region, created by class name on first request, and the
 * {@link RegionContext} they see.
 */
final class Extensions {
    private static final System.Logger LOG = System.getLogger(Extensions.class.getName());

    interface Poster {
        void post(long regionId, String extension, byte[] event);
    }

    private final RegionServer server;
    private final Map<String, RegionExtension<?, ?, ?>> byName = new LinkedHashMap<>();
    private volatile Poster poster = (r, x, e) -> {};
    private volatile Userfaultfd main;
    private volatile Userfaultfd trackingUffd;
    private volatile PageSource source;
    private volatile MemorySegment view;
    private volatile int pid;

    Extensions(RegionServer server) {
        this.server = server;
    }

    void bind(Userfaultfd main, Userfaultfd tracking, PageSource source, MemorySegment view, int pid, Poster poster) {
        this.main = main;
        this.trackingUffd = tracking;
        this.source = source;
        this.view = view;
        this.pid = pid;
        this.poster = poster;
    }

    /**
     * Runs an encoded request on the extension {@code className}, creating it first if needed, and returns
     * its encoded reply. The extension's own codec reads and writes the bytes: the pager knows no verbs.
     */
    byte[] request(String className, byte[] request) throws Exception {
        return call(get(className), request);
    }

    private static <Q, R> byte[] call(RegionExtension<Q, R, ?> extension, byte[] request) throws Exception {
        ExtensionProtocol<Q, R, ?> protocol = extension.protocol();
        return protocol.encodeReply(extension.request(protocol.decodeRequest(request)));
    }

    private synchronized RegionExtension<?, ?, ?> get(String className) throws ReflectiveOperationException {
        RegionExtension<?, ?, ?> ext = byName.get(className);
        if (ext != null) {
            return ext;
        }
        Class<?> c = Class.forName(className, true, Extensions.class.getClassLoader());
        if (!RegionExtension.class.isAssignableFrom(c)) {
            throw new IllegalArgumentException(className + " does not implement " + RegionExtension.class.getName());
        }
        try {
            ext = (RegionExtension<?, ?, ?>) c.getConstructor(RegionContext.class).newInstance(new Named(className));
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception x ? new IllegalStateException("creating " + className + ": " + x.getMessage(), x)
                    : new IllegalStateException("creating " + className + " failed", e.getCause());
        }
        if (!ext.protocol().extensionClass().equals(className)) {
            ext.close();
            throw new IllegalArgumentException(className + " speaks the protocol of " + ext.protocol().extensionClass());
        }
        byName.put(className, ext);
        return ext;
    }

    /** REMOVE/UNMAP seen by the server thread. */
    void removed(long start, long end) {
        for (RegionExtension<?, ?, ?> e : snapshot()) {
            try {
                e.onRemoved(start, end);
            } catch (RuntimeException x) {
                LOG.log(System.Logger.Level.WARNING, "extension " + e + " failed on a removal", x);
            }
        }
    }

    private synchronized List<RegionExtension<?, ?, ?>> snapshot() {
        return List.copyOf(byName.values());
    }

    synchronized void closeAll() {
        for (RegionExtension<?, ?, ?> e : byName.values()) {
            try {
                e.close();
            } catch (RuntimeException x) {
                LOG.log(System.Logger.Level.WARNING, "closing extension " + e + " failed", x);
            }
        }
        byName.clear();
        server.controls.reset();
    }

    /** The context one extension sees; its events carry the extension's class name. */
    private final class Named implements RegionContext {
        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public long regionId() {
            return server.id;
        }

        @Override
        public long start() {
            return server.spec.start();
        }

        @Override
        public long length() {
            return server.spec.length();
        }

        @Override
        public long pageSize() {
            return server.spec.pageSize();
        }

        @Override
        public int applicationPid() {
            return pid;
        }

        @Override
        public boolean shared() {
            return view != null;
        }

        @Override
        public MemorySegment sharedView() {
            return view;
        }

        @Override
        public Userfaultfd userfaultfd() {
            return main;
        }

        @Override
        public Optional<Userfaultfd> trackingUserfaultfd() {
            return Optional.ofNullable(trackingUffd);
        }

        @Override
        public PageSource source() {
            return source;
        }

        @Override
        public java.util.Set<io.uffd4j.RegisterMode> registerModes() {
            return server.spec.registerModes();
        }

        @Override
        public void handleWriteProtectFaults(RegionExtension<?, ?, ?> extension) {
            server.controls.writeProtectHandler = extension;
        }

        @Override
        public void protectFills(boolean on) {
            server.controls.protectFills = on;
        }

        @Override
        public void registeredWith(Userfaultfd descriptor) {
            server.controls.trackingActive = descriptor != null && descriptor == trackingUffd;
        }

        @Override
        public <E> void post(ExtensionProtocol<?, ?, E> protocol, E event) {
            if (!protocol.extensionClass().equals(name)) {
                throw new IllegalArgumentException(name + " cannot post events of " + protocol.extensionClass());
            }
            poster.post(server.id, name, protocol.encodeEvent(event));
        }
    }
}
