package io.uffd4j.cli;

import io.uffd4j.Modes;
import io.uffd4j.Resolver;
import io.uffd4j.event.PageFault;
import io.uffd4j.serve.Resolution;
import io.uffd4j.serve.FaultHandler;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Serves each missing page with {@link PagePattern}: fills a per-thread staging page and UFFDIO_COPYs it
 * in. Never touches the served memory, allocates nothing per fault.
 */
final class PatternHandler implements FaultHandler {
    private final long pageSize;
    private final ThreadLocal<MemorySegment> staging;

    PatternHandler(long pageSize) {
        this.pageSize = pageSize;
        this.staging = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(pageSize, pageSize));
    }

    @Override
    public Resolution handle(PageFault fault, Resolver resolver) {
        MemorySegment page = staging.get();
        PagePattern.fill(page, fault.pageOffset() / pageSize);
        return Resolution.from(resolver.copy(fault.pageAddress(), page.address(), pageSize, Modes.none()), resolver);
    }
}
