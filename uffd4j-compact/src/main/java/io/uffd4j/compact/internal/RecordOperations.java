package io.uffd4j.compact.internal;

import io.uffd4j.compact.RecordId;
import io.uffd4j.compact.RecordLocation;
import io.uffd4j.compact.StaleRecordException;
import io.uffd4j.mm.Memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The users' record operations. Every one enters the {@link AccessGate} and touches the region only
 * with libc {@code memcpy} called as a downcall, so a thread that faults on a page the cycle has not
 * produced yet is in native state: a safepoint never waits for it, and the in-process fault server can
 * never deadlock the JVM. (DIRECT access rather than CHECKED process_vm_readv: a record access is one
 * memcpy instead of a system call, it works with a user-mode-only userfaultfd, and the handler is this
 * store's own code, which never gives up on a page.)
 */
final class RecordOperations {
    private static final int BOUNCE = 64 * 1024;
    private static final ThreadLocal<MemorySegment> BOUNCES =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(BOUNCE, 64));

    private final long maxRecordSize;
    private final long region;
    private final AccessGate gate;
    private final RecordSpace records;
    private final RecordTable table;
    private final UserAssist assist;

    RecordOperations(StoreContext context, RecordSpace records, UserAssist assist) {
        this.maxRecordSize = context.config().maxRecordSize();
        this.region = context.region();
        this.gate = context.gate();
        this.records = records;
        this.table = records.table;
        this.assist = assist;
    }

    RecordId put(MemorySegment data) {
        long n = data.byteSize();
        if (n > maxRecordSize) {
            throw new IllegalArgumentException("record of " + n + " bytes exceeds maxRecordSize " + maxRecordSize);
        }
        int len = (int) n;
        int token = gate.enter();
        try {
            RecordSpace.Allocated a = records.allocate(len);
            try {
                copyIn(a.offset(), data);
            } finally {
                table.writeEnd(a.slot(), a.writeLock());
            }
            return new RecordId(a.slot(), table.generation(a.slot()));
        } finally {
            gate.exit(token);
        }
    }

    int read(RecordId id, MemorySegment dst) {
        int slot = checkSlot(id);
        int token = gate.enter();
        try {
            int spins = 0;
            while (true) {
                int s = table.readBegin(slot);
                if ((s & 1) != 0) {
                    spin(++spins);
                    continue;
                }
                long offset = table.offset(slot);
                int len = table.length(slot);
                if (table.generation(slot) != id.generation() || offset < 0) {
                    if (table.readValidate(slot, s)) {
                        throw stale(id);
                    }
                    continue;
                }
                if (dst.byteSize() < len) {
                    if (table.readValidate(slot, s)) {
                        throw new IndexOutOfBoundsException(id + " has " + len + " bytes; the buffer holds " + dst.byteSize());
                    }
                    continue;
                }
                copyOut(offset, dst, len);
                if (table.readValidate(slot, s)) {
                    return len;
                }
            }
        } finally {
            gate.exit(token);
        }
    }

    int length(RecordId id) {
        int slot = checkSlot(id);
        int token = gate.enter();
        try {
            while (true) {
                int s = table.readBegin(slot);
                if ((s & 1) != 0) {
                    Thread.onSpinWait();
                    continue;
                }
                int len = table.length(slot);
                boolean live = table.generation(slot) == id.generation() && table.offset(slot) >= 0;
                if (table.readValidate(slot, s)) {
                    if (!live) {
                        throw stale(id);
                    }
                    return len;
                }
            }
        } finally {
            gate.exit(token);
        }
    }

    boolean isLive(RecordId id) {
        int slot = id.slot();
        if (slot < 0 || slot >= table.capacity()) {
            return false;
        }
        return table.generation(slot) == id.generation() && table.offset(slot) >= 0;
    }

    void update(RecordId id, MemorySegment data) {
        int slot = checkSlot(id);
        int token = gate.enter();
        try {
            int w = table.writeBegin(slot);
            try {
                long offset = table.offset(slot);
                if (table.generation(slot) != id.generation() || offset < 0) {
                    throw stale(id);
                }
                int len = table.length(slot);
                if (data.byteSize() != len) {
                    throw new IllegalArgumentException("update of " + id + " must write exactly its " + len
                            + " bytes, not " + data.byteSize() + " (free it and put a new record to resize)");
                }
                copyIn(offset, data);
            } finally {
                table.writeEnd(slot, w);
            }
        } finally {
            gate.exit(token);
        }
    }

    void free(RecordId id) {
        int slot = checkSlot(id);
        int token = gate.enter();
        try {
            long offset;
            int len;
            int w = table.writeBegin(slot);
            try {
                offset = table.offset(slot);
                if (table.generation(slot) != id.generation() || offset < 0) {
                    throw stale(id);
                }
                len = table.length(slot);
                table.retire(slot);
            } finally {
                table.writeEnd(slot, w);
            }
            records.release(slot, offset, len);
        } finally {
            gate.exit(token);
        }
    }

    /** Live records in address order (a snapshot). */
    List<RecordLocation> layout() {
        int token = gate.enter();
        try {
            return records.layout();
        } finally {
            gate.exit(token);
        }
    }

    /** SHA-256 of the region's bytes [0, top), read like a user would (for comparing stores). */
    byte[] digest() {
        int token = gate.enter();
        try {
            long end = records.top();
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            MemorySegment bounce = BOUNCES.get();
            byte[] chunk = new byte[BOUNCE];
            for (long o = 0; o < end; o += BOUNCE) {
                int n = (int) Math.min(BOUNCE, end - o);
                Memory.copy(bounce.address(), region + o, n);
                MemorySegment.copy(bounce, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, chunk, 0, n);
                md.update(chunk, 0, n);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            gate.exit(token);
        }
    }

    private int checkSlot(RecordId id) {
        int slot = id.slot();
        if (slot < 0 || slot >= table.capacity()) {
            throw new StaleRecordException(id, id + " does not belong to this store");
        }
        return slot;
    }

    private static StaleRecordException stale(RecordId id) {
        return new StaleRecordException(id, id + " was freed");
    }

    private static void spin(int spins) {
        if (spins > 100) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
    }

    /** Copies into the region in native state (the thread may fault on a page the cycle has not produced yet). */
    private void copyIn(long offset, MemorySegment src) {
        long len = src.byteSize();
        assist.assist(offset, len);
        if (src.isNative()) {
            Memory.copy(region + offset, src.address(), len);
            return;
        }
        MemorySegment bounce = BOUNCES.get();
        for (long done = 0; done < len; done += BOUNCE) {
            long n = Math.min(BOUNCE, len - done);
            MemorySegment.copy(src, done, bounce, 0, n);
            Memory.copy(region + offset + done, bounce.address(), n);
        }
    }

    private void copyOut(long offset, MemorySegment dst, int len) {
        assist.assist(offset, len);
        if (dst.isNative()) {
            Memory.copy(dst.address(), region + offset, len);
            return;
        }
        MemorySegment bounce = BOUNCES.get();
        for (long done = 0; done < len; done += BOUNCE) {
            long n = Math.min(BOUNCE, len - done);
            Memory.copy(bounce.address(), region + offset + done, n);
            MemorySegment.copy(bounce, 0, dst, done, n);
        }
    }
}
