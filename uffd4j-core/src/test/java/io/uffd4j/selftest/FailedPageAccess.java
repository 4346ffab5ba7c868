package io.uffd4j.selftest;

import io.uffd4j.ipc.ProcessMemory;
import io.uffd4j.mm.RegionReader;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.zip.Adler32;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Deflater;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The ways Java code can reach a page that failed (poisoned: the kernel raises SIGBUS on a user access
 * and returns EFAULT to a kernel access), each with what it does on JDK 25 on Linux, as measured by
 * {@link FailedPageAccessTest} in a child JVM per access. docs/failed-pages.md shows this table; the
 * test checks that the document says the same.
 */
enum FailedPageAccess {
    SEGMENT_GET("MemorySegment.get(JAVA_LONG, offset)", Outcome.INTERNAL_ERROR, Outcome.INTERNAL_ERROR,
            c -> Sink.value = c.region.get(JAVA_LONG, c.offset)),
    SEGMENT_SET("MemorySegment.set(JAVA_LONG, offset, v)", Outcome.INTERNAL_ERROR, Outcome.INTERNAL_ERROR,
            c -> c.region.set(JAVA_LONG, c.offset, 1L)),
    SEGMENT_COPY_TO_NATIVE("MemorySegment.copy(region, offset, nativeSegment, 0, page)", Outcome.INTERNAL_ERROR, Outcome.INTERNAL_ERROR,
            c -> MemorySegment.copy(c.region, c.offset, c.arena.allocate(c.length), 0, c.length)),
    SEGMENT_COPY_TO_ARRAY("MemorySegment.copy(region, JAVA_BYTE, offset, byte[], 0, page)", Outcome.INTERNAL_ERROR, Outcome.INTERNAL_ERROR,
            c -> MemorySegment.copy(c.region, JAVA_BYTE, c.offset, new byte[(int) c.length], 0, (int) c.length)),
    SEGMENT_TO_ARRAY("MemorySegment.toArray(JAVA_BYTE)", Outcome.INTERNAL_ERROR, Outcome.INTERNAL_ERROR,
            c -> c.page().toArray(JAVA_BYTE)),
    SEGMENT_FILL("MemorySegment.fill(b)", Outcome.INTERNAL_ERROR, Outcome.INTERNAL_ERROR,
            c -> c.page().fill((byte) 1)),
    SEGMENT_MISMATCH("MemorySegment.mismatch(other)", Outcome.INTERNAL_ERROR, Outcome.INTERNAL_ERROR,
            c -> c.page().mismatch(c.arena.allocate(c.length))),
    SEGMENT_GET_STRING("MemorySegment.getString(offset)", Outcome.INTERNAL_ERROR, Outcome.INTERNAL_ERROR,
            c -> c.region.getString(c.offset)),
    BYTE_BUFFER_GET("ByteBuffer.get(index) of asByteBuffer()", Outcome.INTERNAL_ERROR, Outcome.INTERNAL_ERROR,
            c -> Sink.value = c.buffer().get(0)),
    BYTE_BUFFER_BULK_GET("ByteBuffer.get(byte[]) of asByteBuffer()", Outcome.INTERNAL_ERROR, Outcome.INTERNAL_ERROR,
            c -> c.buffer().get(new byte[(int) c.length])),
    BYTE_BUFFER_PUT_INTO_HEAP("heapByteBuffer.put(directByteBuffer)", Outcome.INTERNAL_ERROR, Outcome.INTERNAL_ERROR,
            c -> ByteBuffer.allocate((int) c.length).put(c.buffer())),
    MESSAGE_DIGEST("MessageDigest(SHA-256).update(ByteBuffer)", Outcome.INTERNAL_ERROR, Outcome.INTERNAL_ERROR,
            c -> MessageDigest.getInstance("SHA-256").update(c.buffer())),
    CRC32_UPDATE("CRC32.update(ByteBuffer)", Outcome.CRASH, Outcome.CRASH,
            c -> new CRC32().update(c.buffer())),
    CRC32C_UPDATE("CRC32C.update(ByteBuffer)", Outcome.CRASH, Outcome.CRASH,
            c -> new CRC32C().update(c.buffer())),
    ADLER32_UPDATE("Adler32.update(ByteBuffer)", Outcome.CRASH, Outcome.CRASH,
            c -> new Adler32().update(c.buffer())),
    DEFLATER("Deflater.setInput(ByteBuffer) + deflate", Outcome.CRASH, Outcome.CRASH, c -> {
        Deflater d = new Deflater();
        d.setInput(c.buffer());
        d.finish();
        d.deflate(new byte[(int) c.length * 2]);
        d.end();
    }),
    FILE_CHANNEL_WRITE("FileChannel.write(ByteBuffer) to a file", Outcome.IO_EXCEPTION, Outcome.IO_EXCEPTION, c -> {
        ByteBuffer b = c.buffer();
        while (b.hasRemaining()) {
            if (c.file.write(b, b.position()) <= 0) {
                throw new IllegalStateException("write made no progress at " + b.position());
            }
        }
    }),
    PROCESS_VM_READV("ProcessMemory.self().read (process_vm_readv)", Outcome.UFFD_EXCEPTION, Outcome.UFFD_EXCEPTION,
            c -> {
                try (ProcessMemory pm = ProcessMemory.self()) {
                    long n = pm.read(c.region.address() + c.offset, c.arena.allocate(c.length));
                    if (n < c.length) {
                        throw new IOException("short read: " + n + " of " + c.length + " bytes");
                    }
                }
            }),
    REGION_READER("RegionReader.read(region, offset, dst)", Outcome.REPORTED, Outcome.REPORTED,
            c -> {
                if (RegionReader.read(c.region, c.offset, c.arena.allocate(c.length)) instanceof RegionReader.Incomplete in) {
                    throw new ReportedFailure(in.failedPages().toString());
                }
            });

    /** Keeps the JIT from dropping a load whose value nobody uses. */
    static final class Sink {
        static volatile long value;
    }

    /** What an access to a failed page does. */
    enum Outcome {
        INTERNAL_ERROR("throws `java.lang.InternalError` (catchable)"),
        IO_EXCEPTION("throws `java.io.IOException` (EFAULT, \"Bad address\")"),
        UFFD_EXCEPTION("throws `io.uffd4j.error.BadAddressException` (EFAULT)"),
        REPORTED("returns `Incomplete` naming the page"),
        CRASH("**crashes the JVM** (SIGBUS outside Java code: a stub or zlib; hs_err file)"),
        RETURNED("returns normally (reads something: wrong)");

        final String text;

        Outcome(String text) {
            this.text = text;
        }
    }

    /** An access, given the region, the failed page's offset and length. */
    @FunctionalInterface
    interface Access {
        void run(Context c) throws Exception;
    }

    record Context(MemorySegment region, long offset, long length, Arena arena, FileChannel file) {
        MemorySegment page() {
            return region.asSlice(offset, length);
        }

        ByteBuffer buffer() {
            return page().asByteBuffer();
        }
    }

    /** Thrown by the {@link #REGION_READER} access when the reader reported the page (the expected result). */
    static final class ReportedFailure extends Exception {
        ReportedFailure(String what) {
            super(what);
        }
    }

    final String code;
    /** The first access in a fresh JVM (interpreted code). */
    final Outcome cold;
    /** After {@link #WARM_UP} accesses to a sound page (the JIT compiled the path, intrinsics included). */
    final Outcome warm;
    final Access access;

    static final int WARM_UP = 6_000;

    FailedPageAccess(String code, Outcome cold, Outcome warm, Access access) {
        this.code = code;
        this.cold = cold;
        this.warm = warm;
        this.access = access;
    }

    Outcome expected(boolean warmedUp) {
        return warmedUp ? warm : cold;
    }

    /** The row of the table in docs/failed-pages.md. */
    String docRow() {
        return "| `" + code + "` | " + cold.text + " | " + warm.text + " |";
    }
}
