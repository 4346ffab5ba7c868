package io.uffd4j.pager.source;

import java.lang.foreign.MemorySegment;

/** Every page is zero: faults are resolved with ZEROPAGE, nothing is read. */
public final class ZeroSource implements PageSource {
    public ZeroSource(SourceConfig config) {}

    @Override
    public long size() {
        return 0;
    }

    @Override
    public void read(long offset, MemorySegment dst, long dstOffset, long length) {
        dst.asSlice(dstOffset, length).fill((byte) 0);
    }

    @Override
    public String describe() {
        return "zeros";
    }
}
