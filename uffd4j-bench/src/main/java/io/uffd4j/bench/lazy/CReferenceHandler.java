package io.uffd4j.bench.lazy;

import io.uffd4j.RegisterMode;
import io.uffd4j.bench.support.CProgram;
import io.uffd4j.Userfaultfd;
import io.uffd4j.ipc.UnixServerSocket;
import io.uffd4j.ipc.UnixSocket;
import io.uffd4j.mm.Mapping;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The C reference handler (resource uffd_ref_handler.c), built with the machine's gcc at run time and
 * run as a separate process that receives the userfaultfd over a Unix socket: the pager's design in C.
 */
final class CReferenceHandler implements AutoCloseable {
    private final Process process;
    private final UnixServerSocket server;
    private final UnixSocket connection;
    final Userfaultfd uffd;
    final Mapping region;

    private CReferenceHandler(Process process, UnixServerSocket server, UnixSocket connection, Userfaultfd uffd, Mapping region) {
        this.process = process;
        this.server = server;
        this.connection = connection;
        this.uffd = uffd;
        this.region = region;
    }

    /** Builds the handler (cached like the other C references); empty, with the reason printed, when gcc is missing or fails. */
    static Optional<Path> build() throws InterruptedException {
        try {
            return Optional.of(CProgram.build(CReferenceHandler.class, "uffd_ref_handler.c", List.of("-O2"),
                    CProgram.defaultCache()).binary());
        } catch (IOException e) {
            System.err.println(e.getMessage() + "; the C reference is skipped");
            return Optional.empty();
        }
    }

    /** Registers a fresh anonymous region of {@code size} bytes and hands its userfaultfd to a new handler process. */
    static CReferenceHandler start(Path binary, Path image, long size, Path dir) throws IOException {
        Path sock = dir.resolve("cref-" + System.nanoTime() + ".sock");
        UnixServerSocket server = UnixServerSocket.bind(sock);
        Process p = new ProcessBuilder(binary.toString(), sock.toString(), image.toString()).inheritIO().start();
        Optional<UnixSocket> c = server.accept(Duration.ofSeconds(30));
        if (c.isEmpty()) {
            p.destroyForcibly();
            server.close();
            throw new IOException("the C handler did not connect");
        }
        Userfaultfd uffd = Userfaultfd.open();
        Mapping region = Mapping.anonymous(size);
        uffd.register(region.address(), size, EnumSet.of(RegisterMode.MISSING));
        ByteBuffer payload = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(region.address()).putLong(size);
        c.get().send(payload.array(), uffd.fd());
        return new CReferenceHandler(p, server, c.get(), uffd, region);
    }

    @Override
    public void close() throws InterruptedException {
        connection.close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        server.close();
        uffd.unregister(region.address(), region.size());
        uffd.close();
        region.close();
    }
}
