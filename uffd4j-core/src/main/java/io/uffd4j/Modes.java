package io.uffd4j;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * An immutable set of mode flags for one ioctl, with its bits computed once. Build it outside the
 * fault loop ({@code static final} is typical) and pass it on every call without allocating.
 *
 * @param <M> the ioctl's flag enum, e.g. {@link CopyMode}
 */
public final class Modes<M extends Enum<M> & ModeFlag> {
    @SuppressWarnings({"rawtypes", "unchecked"})
    private static final Modes NONE = new Modes(0, Set.of());

    private final long bits;
    private final Set<M> flags;

    private Modes(long bits, Set<M> flags) {
        this.bits = bits;
        this.flags = flags;
    }

    /** No flags. */
    @SuppressWarnings("unchecked")
    public static <M extends Enum<M> & ModeFlag> Modes<M> none() {
        return (Modes<M>) NONE;
    }

    @SafeVarargs
    public static <M extends Enum<M> & ModeFlag> Modes<M> of(M first, M... rest) {
        EnumSet<M> set = EnumSet.of(first, rest);
        return of(set);
    }

    public static <M extends Enum<M> & ModeFlag> Modes<M> of(Set<M> flags) {
        long b = 0;
        for (M f : flags) {
            b |= f.bit();
        }
        return flags.isEmpty() ? none() : new Modes<>(b, Set.copyOf(flags));
    }

    public boolean contains(M flag) {
        return (bits & flag.bit()) != 0;
    }

    public Set<M> flags() {
        return flags;
    }

    long bits() {
        return bits;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Modes<?> m && m.flags.equals(flags);
    }

    @Override
    public int hashCode() {
        return flags.hashCode();
    }

    @Override
    public String toString() {
        return flags.isEmpty() ? "[]" : Arrays.toString(flags.toArray());
    }
}
