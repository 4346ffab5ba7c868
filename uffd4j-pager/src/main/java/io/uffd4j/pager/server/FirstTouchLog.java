package io.uffd4j.pager.server;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

/**
 * The order in which a run first touched its pages (demand faults only), as REAP records it: a magic
 * word, the page size, the count, then page indexes. Written at region close, read by {@code REPLAY}.
 */
final class FirstTouchLog {
    private static final int MAGIC = 0x55464654; // "UFFT"
    private int[] pages;
    private int count;

    FirstTouchLog(int expected) {
        this.pages = new int[Math.max(16, expected)];
    }

    void add(long page) {
        if (count == pages.length) {
            pages = Arrays.copyOf(pages, count * 2);
        }
        pages[count++] = (int) page;
    }

    int count() {
        return count;
    }

    void write(Path file, long pageSize) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.writeInt(MAGIC);
            out.writeLong(pageSize);
            out.writeInt(count);
            for (int i = 0; i < count; i++) {
                out.writeInt(pages[i]);
            }
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static int[] read(Path file, long pageSize) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC) {
                throw new IOException(file + " is not a first-touch recording");
            }
            long ps = in.readLong();
            if (ps != pageSize) {
                throw new IOException(file + " was recorded with pages of " + ps + " bytes, this region uses " + pageSize);
            }
            int n = in.readInt();
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = in.readInt();
            }
            return order;
        }
    }
}
