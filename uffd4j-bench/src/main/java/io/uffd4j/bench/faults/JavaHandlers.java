package io.uffd4j.bench.faults;

import io.uffd4j.CopyMode;
import io.uffd4j.ContinueMode;
import io.uffd4j.Modes;
import io.uffd4j.MoveMode;
import io.uffd4j.Resolver;
import io.uffd4j.WriteProtectMode;
import io.uffd4j.ZeroPageMode;
import io.uffd4j.event.PageFault;
import io.uffd4j.serve.Resolution;
import io.uffd4j.serve.FaultHandler;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The Java handlers, one per operation: the same ioctl as the C reference's handler and nothing else.
 * They never touch the served memory; they allocate nothing.
 */
final class JavaHandlers {
    private JavaHandlers() {}

    private static final Modes<CopyMode> COPY_MODES = Modes.none();
    private static final Modes<ZeroPageMode> ZERO_MODES = Modes.none();
    private static final Modes<MoveMode> MOVE_MODES = Modes.none();
    private static final Modes<WriteProtectMode> UNPROTECT = Modes.none();
    private static final Modes<ContinueMode> CONTINUE_MODES = Modes.none();

    /** Stamps the one source page with the faulting page's index, then UFFDIO_COPY. */
    record Copy(MemorySegment sourcePage) implements FaultHandler {
        @Override
        public Resolution handle(PageFault fault, Resolver resolver) {
            sourcePage.set(JAVA_LONG, 0, Pages.stamp(fault.pageOffset() >>> Pages.SHIFT));
            return Resolution.from(resolver.copy(fault.pageAddress(), sourcePage.address(), Pages.SIZE, COPY_MODES), resolver);
        }
    }

    record ZeroPage() implements FaultHandler {
        @Override
        public Resolution handle(PageFault fault, Resolver resolver) {
            return Resolution.from(resolver.zeroPage(fault.pageAddress(), Pages.SIZE, ZERO_MODES), resolver);
        }
    }

    /** UFFDIO_MOVE of the prefilled source page at the same offset. */
    record Move(long sourceBase) implements FaultHandler {
        @Override
        public Resolution handle(PageFault fault, Resolver resolver) {
            return Resolution.from(resolver.move(fault.pageAddress(), sourceBase + fault.pageOffset(), Pages.SIZE, MOVE_MODES), resolver);
        }
    }

    /** Unprotects (and so wakes) the written page. */
    record Unprotect() implements FaultHandler {
        @Override
        public Resolution handle(PageFault fault, Resolver resolver) {
            return Resolution.from(resolver.writeProtect(fault.pageAddress(), Pages.SIZE, UNPROTECT), resolver);
        }
    }

    record Continue() implements FaultHandler {
        @Override
        public Resolution handle(PageFault fault, Resolver resolver) {
            return Resolution.from(resolver.continueRange(fault.pageAddress(), Pages.SIZE, CONTINUE_MODES), resolver);
        }
    }

    /** The floor's range is registered WP-only and never protected: a fault reaching a handler is a bug. */
    record Unexpected() implements FaultHandler {
        @Override
        public Resolution handle(PageFault fault, Resolver resolver) {
            throw new IllegalStateException("the floor range must not produce userfaults: " + fault);
        }
    }
}
